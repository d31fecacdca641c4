#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // libfuzzer-sys's hook aborts on every panic, caught or not. imap-proto panics on
        // some hostile input and mailwire catches those (core/src/imap/wire.rs) as Protocol
        // errors, so they are let through; any other panic is a bug and still aborts.
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.location().is_some_and(|l| l.file().contains("imap-proto")) {
                return;
            }
            abort(info);
        }));
    },
    |data: &[u8]| mailwire::__fuzz_imap::imap_stream(data)
);
