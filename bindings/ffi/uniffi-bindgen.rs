//! The pinned uniffi-bindgen, so generated bindings match the `uniffi` this crate builds with.
fn main() {
    uniffi::uniffi_bindgen_main()
}
