//! Result classes as Python users expect values to behave, stated once: [`record!`] turns a
//! struct into a frozen class with read-only attributes, a constructor taking them in order,
//! a `repr` listing every field as Python shows it, `==` and `hash` by value and pickling —
//! what `@dataclass(frozen=True)` gives in Python.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

/// The values of `fields` of `obj`, as Python sees them (through the getters).
pub(crate) fn values<'py>(
    obj: &Bound<'py, PyAny>,
    fields: &[&str],
) -> PyResult<Bound<'py, PyTuple>> {
    let items = fields
        .iter()
        .map(|f| obj.getattr(*f))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(obj.py(), items)
}

/// `Name(field=repr(value), …)`; `bytes` are shown by their size (a message can be
/// megabytes).
pub(crate) fn repr(obj: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut out = format!("{name}(");
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let value = obj.getattr(*field)?;
        out.push_str(field);
        out.push('=');
        match value.cast::<PyBytes>() {
            Ok(b) => out.push_str(&format!("<{} bytes>", b.as_bytes().len())),
            Err(_) => out.push_str(value.repr()?.to_str()?),
        }
    }
    out.push(')');
    Ok(out)
}

/// `obj == other`: the same class and equal field values; NotImplemented for another class.
pub(crate) fn eq(
    obj: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
    fields: &[&str],
) -> PyResult<Py<PyAny>> {
    let py = obj.py();
    if !other.get_type().is(obj.get_type()) {
        return Ok(py.NotImplemented());
    }
    let equal = values(obj, fields)?.eq(values(other, fields)?)?;
    Ok(pyo3::types::PyBool::new(py, equal)
        .to_owned()
        .into_any()
        .unbind())
}

/// `(class, field values)`: pickling calls the constructor with the fields in order.
pub(crate) fn reduce<'py>(
    obj: &Bound<'py, PyAny>,
    fields: &[&str],
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        obj.py(),
        [obj.get_type().into_any(), values(obj, fields)?.into_any()],
    )
}

/// Declares a result class (see the module docs). Write the `#[pyclass(frozen, …)]` line and
/// the field docs as usual; every field becomes a read-only attribute of the same name and
/// a constructor argument in the same order. Extra methods go in `methods { … }`.
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
        $( methods { $($methods:tt)* } )?
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$fmeta])* #[pyo3(get)] pub(crate) $field: $ty, )*
        }

        impl $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        #[pymethods]
        impl $name {
            #[doc = concat!("A ``", stringify!($name), "`` from its fields (results come from the clients; this is for pickling and tests).")]
            #[new]
            #[pyo3(signature = ($($field),*))]
            #[allow(clippy::too_many_arguments)]
            fn __new__($($field: $ty),*) -> Self {
                $name { $($field),* }
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                $crate::record::repr(slf.as_any(), stringify!($name), Self::FIELDS)
            }

            fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                $crate::record::eq(slf.as_any(), other, Self::FIELDS)
            }

            /// The hash of the field values (TypeError when one of them is a list).
            fn __hash__(slf: &Bound<'_, Self>) -> PyResult<isize> {
                $crate::record::values(slf.as_any(), Self::FIELDS)?.hash()
            }

            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
                $crate::record::reduce(slf.as_any(), Self::FIELDS)
            }

            $($($methods)*)?
        }
    };
}
pub(crate) use record;
