#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailwire::__fuzz::autoconfig(data));
