//! Configuration, memory probes and result lines shared by every runner.

use std::time::Instant;

use serde_json::{json, Value};

/// The driver's configuration (bench/run writes it as JSON).
pub struct Config {
    pub v: Value,
}

impl Config {
    pub fn load(path: &str) -> Config {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("config {path}: {e}"));
        Config {
            v: serde_json::from_str(&text).expect("config JSON"),
        }
    }
    pub fn s(&self, k: &str) -> String {
        self.v[k]
            .as_str()
            .unwrap_or_else(|| panic!("config key {k}"))
            .to_string()
    }
    pub fn n(&self, k: &str) -> u64 {
        self.v[k]
            .as_u64()
            .unwrap_or_else(|| panic!("config key {k}"))
    }
    pub fn port(&self, k: &str) -> u16 {
        self.n(k) as u16
    }
    pub fn user(&self, role: &str) -> String {
        self.v["users"][role]
            .as_str()
            .unwrap_or_else(|| panic!("user {role}"))
            .to_string()
    }
    pub fn password(&self, user: &str) -> String {
        self.s("password_pattern").replace("{user}", user)
    }
    pub fn domain(&self) -> String {
        self.s("domain")
    }
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.s("ca")).expect("CA file")
    }
}

fn status_kb(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix(field) {
            let kb: f64 = rest
                .trim_start_matches(':')
                .split_whitespace()
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0.0);
            return kb;
        }
    }
    0.0
}

/// Resident memory now, MB.
pub fn rss_mb() -> f64 {
    status_kb("VmRSS") / 1024.0
}

/// Peak resident memory since the last [`reset_peak`], MB.
pub fn peak_mb() -> f64 {
    status_kb("VmHWM") / 1024.0
}

/// Resets the peak (VmHWM) to the current RSS (Linux: clear_refs 5).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Times one operation and its memory: baseline RSS before, peak during.
pub struct Probe {
    start: Instant,
    base: f64,
}

impl Probe {
    pub fn start() -> Probe {
        reset_peak();
        Probe {
            base: rss_mb(),
            start: Instant::now(),
        }
    }
    pub fn finish(self, runner: &str, scenario: &str, items: u64, bytes: u64) -> Value {
        let secs = self.start.elapsed().as_secs_f64();
        let peak = peak_mb();
        json!({
            "runner": runner,
            "scenario": scenario,
            "seconds": secs,
            "items": items,
            "bytes": bytes,
            "rss_base_mb": self.base,
            "rss_peak_mb": peak,
            "rss_growth_mb": (peak - self.base).max(0.0),
        })
    }
}

pub fn emit(v: Value) {
    println!("{v}");
}
