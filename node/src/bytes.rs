//! Decoded bytes handed to JavaScript as a `Buffer` that V8 owns.
//!
//! napi-rs turns a `Vec<u8>` into an external Buffer whose memory is released by a finalizer,
//! and Node runs such finalizers only when the event loop turns: a synchronous loop over
//! `parseMessage` kept every attachment it had ever decoded (235 MB per pass over the
//! benchmark's mailbox, fresh pages each time). A copy into V8's own allocation is freed by
//! the garbage collector itself, and the Rust buffer is reused at once.

use std::ptr;

use napi::bindgen_prelude::{Buffer, FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{check_status, sys, Result, ValueType};

/// Bytes that cross to JavaScript as a `Buffer` copied into V8's memory.
pub struct Bytes(pub Vec<u8>);

impl TypeName for Bytes {
    fn type_name() -> &'static str {
        "Buffer"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for Bytes {}

impl ToNapiValue for Bytes {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        let mut data = ptr::null_mut();
        check_status!(
            unsafe {
                sys::napi_create_buffer_copy(
                    env,
                    val.0.len(),
                    val.0.as_ptr().cast(),
                    &mut data,
                    &mut out,
                )
            },
            "Failed to create a Buffer"
        )?;
        Ok(out)
    }
}

impl FromNapiValue for Bytes {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        Ok(Bytes(unsafe { Buffer::from_napi_value(env, v) }?.to_vec()))
    }
}
