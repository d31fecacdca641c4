//! The benchmark mailbox: deterministic messages, written once to a corpus file that every
//! runner can read (the parse scenario) and appended to the devserver by the seeder.

use std::io::Write;

/// xorshift64*: deterministic across runs and machines.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(n);
        v
    }
}

const WORDS: &[&str] = &[
    "the",
    "mail",
    "server",
    "meeting",
    "quarterly",
    "report",
    "invoice",
    "project",
    "deadline",
    "review",
    "please",
    "attached",
    "find",
    "update",
    "thanks",
    "regards",
    "schedule",
    "budget",
    "release",
    "notes",
    "customer",
    "feedback",
    "team",
    "weekly",
    "status",
    "draft",
    "final",
    "agenda",
    "question",
    "answer",
    "about",
    "tomorrow",
    "monday",
    "friday",
    "office",
    "travel",
    "résumé",
    "naïve",
    "café",
    "Grüße",
    "straße",
    "北京",
    "données",
    "über",
];

const NAMES: &[&str] = &[
    "Alice Martin",
    "Bob Stone",
    "Carol Díaz",
    "Dave Ng",
    "Eve Müller",
    "Frank O'Neil",
    "Grace Hopper",
    "Heidi Klum",
    "Ivan Petrov",
    "Judy Chen",
    "Mallory",
    "Zoë Weiß",
];

fn words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s
}

pub fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + 4);
    for c in data.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63]);
        out.push(T[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63]
        } else {
            b'='
        });
    }
    String::from_utf8(out).unwrap()
}

/// base64 in lines of 76 characters with CRLF.
pub fn b64_lines(data: &[u8]) -> Vec<u8> {
    let enc = b64(data);
    let mut out = Vec::with_capacity(enc.len() + enc.len() / 38 + 2);
    for line in enc.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Wraps text at about 72 columns with CRLF.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for w in text.split(' ') {
        if col + w.len() > 72 {
            out.push_str("\r\n");
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(w);
        col += w.chars().count();
    }
    out.push_str("\r\n");
    out
}

fn encoded_word(s: &str) -> String {
    format!("=?UTF-8?B?{}?=", b64(s.as_bytes()))
}

/// Message `i` of the mailbox (`i` from 0). About 2% carry a 100 KB–2 MB attachment; the
/// rest are 2–20 KB text + HTML alternatives.
pub fn message(i: u64, domain: &str, to: &str) -> Vec<u8> {
    let mut rng = Rng::new(i + 1);
    let name = NAMES[rng.below(NAMES.len() as u64) as usize];
    let from_addr = format!("sender{}@example.com", rng.below(200));
    let nw = 3 + rng.below(8) as usize;
    let subject = words(&mut rng, nw);
    let subject_h = if subject.is_ascii() {
        subject.clone()
    } else {
        encoded_word(&subject)
    };
    let name_h = if name.is_ascii() {
        format!("\"{name}\"")
    } else {
        encoded_word(name)
    };
    let day = 1 + rng.below(28);
    let hour = rng.below(24);
    let min = rng.below(60);
    let with_attachment = rng.below(100) < 2;
    let target = 2_000 + rng.below(18_000) as usize;
    let mut text = String::new();
    while text.len() < target / 2 {
        text.push_str(&words(&mut rng, 40));
        text.push_str(".\n\n");
    }
    let text = wrap(&text.replace('\n', " "));
    let html = format!(
        "<html><body><p>{}</p></body></html>\r\n",
        text.replace("\r\n", "</p>\r\n<p>")
    );
    let mut m = Vec::with_capacity(target + 4096);
    write!(
        m,
        "From: {name_h} <{from_addr}>\r\nTo: <{to}@{domain}>\r\nCc: \"Team\" <team@example.com>\r\n\
         Subject: {subject_h}\r\nDate: Mon, {day:02} Nov 2026 {hour:02}:{min:02}:00 +0100\r\n\
         Message-ID: <bench-{i}@mailwire.bench>\r\nMIME-Version: 1.0\r\n"
    )
    .unwrap();
    let alt = format!(
        "--alt{i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
         --alt{i}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n--alt{i}--\r\n"
    );
    if with_attachment {
        let size = 100_000 + rng.below(1_900_000) as usize;
        let fname = if rng.below(3) == 0 {
            "Prüfbericht 2026.pdf".to_string()
        } else {
            format!("report-{i}.pdf")
        };
        let disp = if fname.is_ascii() {
            format!("attachment; filename=\"{fname}\"")
        } else {
            "attachment; filename*=UTF-8''Pr%C3%BCfbericht%202026.pdf".to_string()
        };
        write!(
            m,
            "Content-Type: multipart/mixed; boundary=\"mix{i}\"\r\n\r\n--mix{i}\r\n\
             Content-Type: multipart/alternative; boundary=\"alt{i}\"\r\n\r\n{alt}\r\n--mix{i}\r\n\
             Content-Type: application/pdf\r\nContent-Disposition: {disp}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        )
        .unwrap();
        m.extend_from_slice(&b64_lines(&rng.bytes(size)));
        write!(m, "--mix{i}--\r\n").unwrap();
    } else {
        write!(
            m,
            "Content-Type: multipart/alternative; boundary=\"alt{i}\"\r\n\r\n{alt}"
        )
        .unwrap();
    }
    m
}

/// The one message of the big-attachment mailbox: a short text and an attachment of
/// `mb` MB (part 2).
pub fn big_message(mb: u64, domain: &str, to: &str) -> Vec<u8> {
    let mut rng = Rng::new(424242);
    let data = rng.bytes((mb * 1024 * 1024) as usize);
    let mut m = Vec::with_capacity(data.len() * 14 / 10 + 1024);
    write!(
        m,
        "From: <big@example.com>\r\nTo: <{to}@{domain}>\r\nSubject: big attachment\r\n\
         Date: Mon, 02 Nov 2026 10:00:00 +0100\r\nMessage-ID: <bench-big@mailwire.bench>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .unwrap();
    m.extend_from_slice(&b64_lines(&data));
    m.extend_from_slice(b"--b--\r\n");
    m
}

/// Flags of message `i` at seeding: about 30% seen, 5% flagged.
pub fn flags(i: u64) -> &'static str {
    let mut rng = Rng::new(i + 1_000_000);
    match rng.below(100) {
        0..=4 => "(\\Seen \\Flagged)",
        5..=29 => "(\\Seen)",
        _ => "()",
    }
}

/// Writes the corpus: `path` holds the messages back to back, `path.idx` one
/// "offset length" line per message.
pub fn write(path: &str, n: u64, domain: &str, to: &str) -> std::io::Result<()> {
    let tmp = format!("{path}.tmp");
    let mut data = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let mut idx = String::new();
    let mut off = 0usize;
    for i in 0..n {
        let m = message(i, domain, to);
        data.write_all(&m)?;
        idx.push_str(&format!("{off} {}\n", m.len()));
        off += m.len();
    }
    data.flush()?;
    std::fs::write(format!("{path}.idx"), idx)?;
    std::fs::rename(tmp, path)?;
    Ok(())
}

/// Reads the corpus into memory: (all bytes, ranges).
pub fn read(path: &str) -> (Vec<u8>, Vec<(usize, usize)>) {
    let data = std::fs::read(path).expect("corpus file");
    let idx = std::fs::read_to_string(format!("{path}.idx")).expect("corpus index");
    let ranges = idx
        .lines()
        .map(|l| {
            let mut p = l.split(' ').map(|x| x.parse::<usize>().unwrap());
            (p.next().unwrap(), p.next().unwrap())
        })
        .collect();
    (data, ranges)
}
