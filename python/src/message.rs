//! Glue for `mailwire::message`: addresses, attachments, parsed and outgoing messages.

use chrono::{DateTime, FixedOffset};
use mailwire::message as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString};

use crate::error::{guard, invalid_input, to_py_err};

/// An email address with an optional display name, such as ``Jane Doe <jane@example.com>``.
///
/// ``str(address)`` gives the RFC 5322 form; ``Address.parse`` reads it back.
#[pyclass(frozen, eq, hash, module = "mailwire._core")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// The display name, decoded, without quotes; None when there is none.
    #[pyo3(get)]
    pub name: Option<String>,
    /// The address itself (``jane@example.com``), without angle brackets.
    #[pyo3(get)]
    pub address: String,
}

impl From<core::Address> for Address {
    fn from(a: core::Address) -> Self {
        Address {
            name: a.name,
            address: a.address,
        }
    }
}

impl From<&Address> for core::Address {
    fn from(a: &Address) -> Self {
        core::Address {
            name: a.name.clone(),
            address: a.address.clone(),
        }
    }
}

pub(crate) fn addresses(list: Vec<core::Address>) -> Vec<Address> {
    list.into_iter().map(Address::from).collect()
}

#[pymethods]
impl Address {
    /// An address from its parts, not validated until it is used (see ``Address.parse``).
    #[new]
    #[pyo3(signature = (address, name = None))]
    fn new(address: String, name: Option<String>) -> Self {
        Address { name, address }
    }

    /// Parses ``jane@example.com``, ``Jane Doe <jane@example.com>`` or
    /// ``"Doe, Jane" <jane@example.com>``; raises InvalidInputError otherwise.
    #[staticmethod]
    fn parse(py: Python<'_>, text: &str) -> PyResult<Address> {
        guard(py, || {
            core::Address::parse(text)
                .map(Address::from)
                .map_err(|e| to_py_err(py, e))
        })
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(core::Address::from(self).to_string()))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let address = py_repr(py, &self.address)?;
        Ok(match &self.name {
            Some(n) => format!("Address({address}, name={})", py_repr(py, n)?),
            None => format!("Address({address})"),
        })
    }

    fn __getnewargs__(&self) -> (String, Option<String>) {
        (self.address.clone(), self.name.clone())
    }
}

/// ``repr(value)`` as Python writes it (quotes and escapes of a ``str``, ``None``…).
pub(crate) fn py_repr<'py>(py: Python<'py>, value: impl IntoPyObject<'py>) -> PyResult<String> {
    use pyo3::BoundObject;
    let value = value.into_pyobject(py).map_err(Into::into)?.into_any();
    Ok(value.as_borrowed().repr()?.to_str()?.to_string())
}

/// Reads one address: an `Address` or a string to parse.
fn one_address(obj: &Bound<'_, PyAny>) -> PyResult<core::Address> {
    if let Ok(a) = obj.cast::<Address>() {
        return Ok(core::Address::from(a.get()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return core::Address::parse(s.to_str()?).map_err(|e| to_py_err(obj.py(), e));
    }
    Err(invalid_input(
        obj.py(),
        format!(
            "expected an address (str or Address), got {}",
            obj.get_type().name()?
        ),
    ))
}

/// Reads None, one address (a string may list several, comma-separated) or an iterable of
/// addresses.
pub(crate) fn address_list(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<core::Address>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(s) = obj.cast::<PyString>() {
        return core::Address::parse_list(s.to_str()?).map_err(|e| to_py_err(obj.py(), e));
    }
    if obj.cast::<Address>().is_ok() {
        return Ok(vec![one_address(obj)?]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        out.push(one_address(&item?)?);
    }
    Ok(out)
}

/// Reads an optional single address.
pub(crate) fn optional_address(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<core::Address>> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(None),
        Some(o) => one_address(o).map(Some),
    }
}

/// A file attached to a message, or an inline image shown by the HTML as ``cid:<content_id>``.
///
/// Compares by value (``==``). Its content becomes one ``bytes`` object on first access of
/// ``data`` (parsed messages), or is the ``bytes`` object it was made with.
#[pyclass(frozen, module = "mailwire._core")]
pub struct Attachment {
    /// The file name, decoded, if the sender gave one.
    #[pyo3(get)]
    pub filename: Option<String>,
    /// The MIME type in lower case (``application/pdf``).
    #[pyo3(get)]
    pub content_type: String,
    /// The Content-ID without angle brackets (inline images).
    #[pyo3(get)]
    pub content_id: Option<String>,
    /// True for parts shown inside the body (inline images).
    #[pyo3(get)]
    pub inline: bool,
    /// The content, transfer-decoded.
    data: LazyBytes,
}

/// Content that crosses into Python as one ``bytes`` object, made (with the one copy that
/// needs) only when Python asks for it; the Rust bytes are dropped then.
struct LazyBytes {
    object: PyOnceLock<Py<PyBytes>>,
    pending: std::sync::Mutex<Vec<u8>>,
}

impl LazyBytes {
    fn pending(data: Vec<u8>) -> Self {
        LazyBytes {
            object: PyOnceLock::new(),
            pending: std::sync::Mutex::new(data),
        }
    }

    fn ready(py: Python<'_>, object: Py<PyBytes>) -> Self {
        let cell = PyOnceLock::new();
        let _ = cell.set(py, object);
        LazyBytes {
            object: cell,
            pending: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The ``bytes`` object, made on first use.
    fn get<'py>(&self, py: Python<'py>) -> &Py<PyBytes> {
        self.object.get_or_init(py, || {
            let data = match self.pending.lock() {
                Ok(mut p) => std::mem::take(&mut *p),
                Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
            };
            PyBytes::new(py, &data).unbind()
        })
    }

    /// Runs `f` on the content, wherever it is now (no conversion). Every caller holds the
    /// GIL, so `get` cannot move the content between the two looks.
    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
        if let Some(object) = self.object.get(py) {
            return f(object.bind(py).as_bytes());
        }
        match self.pending.lock() {
            Ok(p) => f(&p),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }
}

impl Attachment {
    /// Moves a core attachment into Python (its content stays in Rust until ``data`` is
    /// read).
    fn from_core(a: core::Attachment) -> Self {
        Attachment {
            data: LazyBytes::pending(a.data),
            filename: a.filename,
            content_type: a.content_type,
            content_id: a.content_id,
            inline: a.inline,
        }
    }

    /// A core attachment with a copy of the content (for building messages).
    fn to_core(&self, py: Python<'_>) -> core::Attachment {
        core::Attachment {
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            content_id: self.content_id.clone(),
            inline: self.inline,
            data: self.data.with(py, <[u8]>::to_vec),
        }
    }
}

/// Python objects for core attachments (contents copied once each).
fn attachment_objects(
    py: Python<'_>,
    list: impl IntoIterator<Item = core::Attachment>,
) -> PyResult<Vec<Py<Attachment>>> {
    list.into_iter()
        .map(|a| Py::new(py, Attachment::from_core(a)))
        .collect()
}

/// ``bytes`` from ``bytes`` (the same object, no copy) or another bytes-like object
/// (``bytearray``, ``memoryview``, a list of ints…: copied once); TypeError otherwise.
fn bytes_object<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.clone());
    }
    let py = obj.py();
    let not_bytes = || {
        PyTypeError::new_err(format!(
            "expected bytes or a bytes-like object, got {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    };
    // `bytes(n)` would make n zero bytes, `bytes(str)` needs an encoding.
    if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyString>() {
        return Err(not_bytes());
    }
    py.get_type::<PyBytes>()
        .call1((obj,))
        .ok()
        .and_then(|b| b.cast_into::<PyBytes>().ok())
        .ok_or_else(not_bytes)
}

#[pymethods]
impl Attachment {
    /// An attachment named ``filename``; with ``content_id`` (and ``inline=True``) an inline
    /// part the HTML body shows as ``<img src="cid:{content_id}">``.
    #[new]
    #[pyo3(signature = (filename, content_type, data, *, content_id = None, inline = false))]
    fn new(
        py: Python<'_>,
        filename: Option<String>,
        content_type: String,
        data: &Bound<'_, PyAny>,
        content_id: Option<String>,
        inline: bool,
    ) -> PyResult<Self> {
        guard(py, || {
            Ok(Attachment {
                filename,
                content_type,
                content_id,
                inline,
                data: LazyBytes::ready(py, bytes_object(data)?.unbind()),
            })
        })
    }

    /// The content, transfer-decoded (the same ``bytes`` object on each access).
    #[getter]
    fn data(&self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        guard(py, || Ok(self.data.get(py).clone_ref(py)))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> bool {
        let Ok(other) = other.cast::<Attachment>() else {
            return false;
        };
        let other = other.get();
        self.filename == other.filename
            && self.content_type == other.content_type
            && self.content_id == other.content_id
            && self.inline == other.inline
            && self.data.get(py).bind(py).as_bytes() == other.data.get(py).bind(py).as_bytes()
    }

    /// Shows the size of ``data``, not the bytes.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Attachment(filename={}, content_type={}, data=<{} bytes>, content_id={}, inline={})",
            py_repr(py, &self.filename)?,
            py_repr(py, &self.content_type)?,
            self.data.with(py, <[u8]>::len),
            py_repr(py, &self.content_id)?,
            py_repr(py, self.inline)?,
        ))
    }

    #[allow(clippy::type_complexity)]
    fn __getnewargs_ex__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<((Option<String>, String, Py<PyBytes>), Bound<'py, PyDict>)> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("content_id", &self.content_id)?;
        kwargs.set_item("inline", self.inline)?;
        Ok((
            (
                self.filename.clone(),
                self.content_type.clone(),
                self.data.get(py).clone_ref(py),
            ),
            kwargs,
        ))
    }
}

fn attachment_list(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<core::Attachment>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(a) = obj.cast::<Attachment>() {
        return Ok(vec![a.get().to_core(obj.py())]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let a = item.cast::<Attachment>().map_err(|_| {
            invalid_input(obj.py(), "attachments must be mailwire.Attachment objects")
        })?;
        out.push(a.get().to_core(obj.py()));
    }
    Ok(out)
}

/// The source of a parsed message: the caller's ``bytes`` object itself, or the bytes the
/// core downloaded (turned into ``bytes`` on access).
enum Source {
    Shared(Py<PyBytes>),
    Owned(Vec<u8>),
}

/// A received message, parsed: decoded headers, text and HTML bodies, attachments with their
/// bytes. Made by ``parse_message`` or ``fetch_message``.
///
/// Bodies and attachments become Python objects on first access, once: the same ``str`` and
/// ``bytes`` objects come back on each access.
#[pyclass(frozen, module = "mailwire._core")]
pub struct Message {
    /// Everything but the attachments, which `pending` holds until they are converted.
    pub(crate) inner: core::Message,
    raw: Source,
    pending: std::sync::Mutex<Vec<core::Attachment>>,
    text: PyOnceLock<Option<Py<PyString>>>,
    html: PyOnceLock<Option<Py<PyString>>>,
    attachments: PyOnceLock<Vec<Py<Attachment>>>,
}

impl Message {
    fn new(mut inner: core::Message, raw: Source) -> Message {
        let pending = std::mem::take(&mut inner.attachments);
        Message {
            inner,
            raw,
            pending: std::sync::Mutex::new(pending),
            text: PyOnceLock::new(),
            html: PyOnceLock::new(),
            attachments: PyOnceLock::new(),
        }
    }

    /// Parses bytes the core downloaded (no GIL needed).
    pub(crate) fn parse(raw: Vec<u8>) -> mailwire::Result<Message> {
        let inner = core::Message::parse(&raw)?;
        Ok(Message::new(inner, Source::Owned(raw)))
    }

    /// The attachment objects, made on first use (moving the contents out of `pending`).
    fn attachment_objects(&self, py: Python<'_>) -> PyResult<&Vec<Py<Attachment>>> {
        self.attachments.get_or_try_init(py, || {
            let list = match self.pending.lock() {
                Ok(mut pending) => std::mem::take(&mut *pending),
                Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
            };
            attachment_objects(py, list)
        })
    }

    /// The core message with its attachments (copied back from Python), for building
    /// replies and forwards.
    pub(crate) fn to_core(&self, py: Python<'_>) -> PyResult<core::Message> {
        let mut m = self.inner.clone();
        m.attachments = self
            .attachment_objects(py)?
            .iter()
            .map(|a| a.get().to_core(py))
            .collect();
        Ok(m)
    }
}

/// A ``str`` made once from an optional body.
fn cached_str<'a>(
    py: Python<'_>,
    cell: &'a PyOnceLock<Option<Py<PyString>>>,
    value: &Option<String>,
) -> &'a Option<Py<PyString>> {
    cell.get_or_init(py, || {
        value.as_deref().map(|v| PyString::new(py, v).unbind())
    })
}

#[pymethods]
impl Message {
    /// The ``From`` addresses (usually one).
    #[getter]
    fn from_(&self) -> Vec<Address> {
        addresses(self.inner.from.clone())
    }
    /// The ``To`` addresses.
    #[getter]
    fn to(&self) -> Vec<Address> {
        addresses(self.inner.to.clone())
    }
    /// The ``Cc`` addresses.
    #[getter]
    fn cc(&self) -> Vec<Address> {
        addresses(self.inner.cc.clone())
    }
    /// The ``Bcc`` addresses (only in drafts and sent copies).
    #[getter]
    fn bcc(&self) -> Vec<Address> {
        addresses(self.inner.bcc.clone())
    }
    /// The ``Reply-To`` addresses.
    #[getter]
    fn reply_to(&self) -> Vec<Address> {
        addresses(self.inner.reply_to.clone())
    }
    /// The ``Sender`` address, when it differs from ``From``.
    #[getter]
    fn sender(&self) -> Option<Address> {
        self.inner.sender.clone().map(Address::from)
    }
    /// The subject, decoded.
    #[getter]
    fn subject(&self) -> Option<String> {
        self.inner.subject.clone()
    }
    /// The ``Date`` header as an aware datetime (the sender's UTC offset).
    #[getter]
    fn date(&self) -> Option<DateTime<FixedOffset>> {
        self.inner.date
    }
    /// The ``Message-ID``, without angle brackets.
    #[getter]
    fn message_id(&self) -> Option<String> {
        self.inner.message_id.clone()
    }
    /// The ``In-Reply-To`` ids, without angle brackets.
    #[getter]
    fn in_reply_to(&self) -> Vec<String> {
        self.inner.in_reply_to.clone()
    }
    /// The ``References`` ids, oldest first.
    #[getter]
    fn references(&self) -> Vec<String> {
        self.inner.references.clone()
    }
    /// Every top-level header in order, as (name, decoded value) pairs.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }
    /// The plain-text body (a rendering of the HTML when there is only HTML).
    #[getter]
    fn text(&self, py: Python<'_>) -> PyResult<Option<Py<PyString>>> {
        guard(py, || {
            Ok(cached_str(py, &self.text, &self.inner.text)
                .as_ref()
                .map(|s| s.clone_ref(py)))
        })
    }
    /// The HTML body, only when the message really has one.
    #[getter]
    fn html(&self, py: Python<'_>) -> PyResult<Option<Py<PyString>>> {
        guard(py, || {
            Ok(cached_str(py, &self.html, &self.inner.html)
                .as_ref()
                .map(|s| s.clone_ref(py)))
        })
    }
    /// Every attachment, inline images included, with its bytes (a new list of the same
    /// Attachment objects on each access).
    #[getter]
    fn attachments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(py, || PyList::new(py, self.attachment_objects(py)?))
    }
    /// The message source as received (for ``parse_message(bytes)``, that very object).
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        match &self.raw {
            Source::Shared(b) => b.bind(py).clone(),
            Source::Owned(v) => PyBytes::new(py, v),
        }
    }

    /// The same message as a standard library ``email.message.EmailMessage``
    /// (parsed from ``raw`` with ``email.policy.default``).
    fn as_email_message<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let policy = py.import("email.policy")?.getattr("default")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("policy", policy)?;
        py.import("email")?
            .call_method("message_from_bytes", (self.raw(py),), Some(&kwargs))
    }

    /// The subject, senders, date and the number of attachments (not the bodies).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let attachments = match self.attachments.get(py) {
            Some(list) => list.len(),
            None => self.pending.lock().map_or(0, |p| p.len()),
        };
        Ok(format!(
            "Message(subject={}, from_={}, date={}, attachments={})",
            py_repr(py, &self.inner.subject)?,
            py_repr(py, self.from_())?,
            py_repr(py, self.inner.date)?,
            attachments
        ))
    }

    /// Equal when the sources are the same bytes.
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        match other.cast::<Message>() {
            Ok(o) => {
                let same = self.raw(py).as_bytes() == o.get().raw(py).as_bytes();
                pyo3::types::PyBool::new(py, same)
                    .to_owned()
                    .into_any()
                    .unbind()
            }
            Err(_) => py.NotImplemented(),
        }
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.raw(py).hash()
    }

    /// Pickled as its source, parsed again when unpickled.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let parse = py.import("mailwire._core")?.getattr("parse_message")?;
        Ok((parse, (self.raw(py),)))
    }
}

/// The bytes of a stdlib ``email.message.Message`` with CRLF line endings, as SMTP and IMAP
/// carry it (without its Bcc header when `strip_bcc`); None for another object.
pub(crate) fn email_bytes(obj: &Bound<'_, PyAny>, strip_bcc: bool) -> PyResult<Option<Vec<u8>>> {
    let py = obj.py();
    let class = py.import("email.message")?.getattr("Message")?;
    if !obj.is_instance(&class)? {
        return Ok(None);
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("strip_bcc", strip_bcc)?;
    let bytes = py
        .import("mailwire._util")?
        .getattr("email_bytes")?
        .call((obj,), Some(&kwargs))?;
    Ok(Some(bytes.extract()?))
}

/// Parses a raw RFC 5322 message (an ``.eml`` file, IMAP ``fetch_raw`` output): ``bytes``
/// (read in place, never copied) or another bytes-like object (copied once).
///
/// Lenient like mail readers; raises InvalidInputError only when the input has no header.
#[pyfunction]
pub fn parse_message(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Message> {
    guard(py, || {
        let source = bytes_object(data)?;
        let bytes = source.as_bytes();
        // `bytes` objects are immutable and `source` keeps this one alive: its buffer can be
        // read without the GIL.
        let inner = py
            .detach(|| core::Message::parse(bytes))
            .map_err(|e| to_py_err(py, e))?;
        Ok(Message::new(inner, Source::Shared(source.unbind())))
    })
}

/// A message to send (or to upload with ``append``). Immutable: ``replace(...)`` returns a
/// changed copy.
///
/// Addresses are strings (``"Jane <jane@example.com>"``, several comma-separated) or
/// ``Address`` objects, alone or in a list. ``bcc`` recipients get the message but appear in
/// no header.
#[pyclass(frozen, module = "mailwire._core")]
#[derive(Clone)]
pub struct OutgoingMessage {
    pub(crate) inner: core::OutgoingMessage,
}

#[allow(clippy::too_many_arguments)]
fn apply(
    m: &mut core::OutgoingMessage,
    from_: Option<&Bound<'_, PyAny>>,
    to: Option<&Bound<'_, PyAny>>,
    cc: Option<&Bound<'_, PyAny>>,
    bcc: Option<&Bound<'_, PyAny>>,
    reply_to: Option<&Bound<'_, PyAny>>,
    subject: Option<String>,
    text: Option<String>,
    html: Option<String>,
    attachments: Option<&Bound<'_, PyAny>>,
    headers: Option<&Bound<'_, PyAny>>,
    message_id: Option<String>,
    in_reply_to: Option<String>,
    references: Option<Vec<String>>,
    date: Option<DateTime<FixedOffset>>,
) -> PyResult<()> {
    if from_.is_some() {
        m.from = optional_address(from_)?;
    }
    if to.is_some() {
        m.to = address_list(to)?;
    }
    if cc.is_some() {
        m.cc = address_list(cc)?;
    }
    if bcc.is_some() {
        m.bcc = address_list(bcc)?;
    }
    if reply_to.is_some() {
        m.reply_to = address_list(reply_to)?;
    }
    if subject.is_some() {
        m.subject = subject;
    }
    if text.is_some() {
        m.text = text;
    }
    if html.is_some() {
        m.html = html;
    }
    if attachments.is_some() {
        m.attachments = attachment_list(attachments)?;
    }
    if let Some(h) = headers.filter(|h| !h.is_none()) {
        m.headers = if let Ok(d) = h.cast::<PyDict>() {
            d.items().extract()?
        } else {
            h.extract()?
        };
    }
    if message_id.is_some() {
        m.message_id = message_id;
    }
    if in_reply_to.is_some() {
        m.in_reply_to = in_reply_to;
    }
    if let Some(r) = references {
        m.references = r;
    }
    if date.is_some() {
        m.date = date;
    }
    Ok(())
}

#[pymethods]
impl OutgoingMessage {
    /// Builds a message. ``headers`` is a dict or a list of (name, value) pairs; ``date`` an
    /// aware datetime (the time of sending when missing); ``message_id`` is generated when
    /// missing.
    #[new]
    #[pyo3(signature = (*, from_ = None, to = None, cc = None, bcc = None, reply_to = None,
        subject = None, text = None, html = None, attachments = None, headers = None,
        message_id = None, in_reply_to = None, references = None, date = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        from_: Option<&Bound<'_, PyAny>>,
        to: Option<&Bound<'_, PyAny>>,
        cc: Option<&Bound<'_, PyAny>>,
        bcc: Option<&Bound<'_, PyAny>>,
        reply_to: Option<&Bound<'_, PyAny>>,
        subject: Option<String>,
        text: Option<String>,
        html: Option<String>,
        attachments: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        message_id: Option<String>,
        in_reply_to: Option<String>,
        references: Option<Vec<String>>,
        date: Option<DateTime<FixedOffset>>,
    ) -> PyResult<Self> {
        let mut inner = core::OutgoingMessage::new();
        guard(py, || {
            apply(
                &mut inner,
                from_,
                to,
                cc,
                bcc,
                reply_to,
                subject,
                text,
                html,
                attachments,
                headers,
                message_id,
                in_reply_to,
                references,
                date,
            )
        })?;
        Ok(OutgoingMessage { inner })
    }

    /// A copy with the given fields replaced (fields left out, or None, stay as they are).
    #[pyo3(signature = (*, from_ = None, to = None, cc = None, bcc = None, reply_to = None,
        subject = None, text = None, html = None, attachments = None, headers = None,
        message_id = None, in_reply_to = None, references = None, date = None))]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        py: Python<'_>,
        from_: Option<&Bound<'_, PyAny>>,
        to: Option<&Bound<'_, PyAny>>,
        cc: Option<&Bound<'_, PyAny>>,
        bcc: Option<&Bound<'_, PyAny>>,
        reply_to: Option<&Bound<'_, PyAny>>,
        subject: Option<String>,
        text: Option<String>,
        html: Option<String>,
        attachments: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        message_id: Option<String>,
        in_reply_to: Option<String>,
        references: Option<Vec<String>>,
        date: Option<DateTime<FixedOffset>>,
    ) -> PyResult<Self> {
        let mut inner = self.inner.clone();
        guard(py, || {
            apply(
                &mut inner,
                from_,
                to,
                cc,
                bcc,
                reply_to,
                subject,
                text,
                html,
                attachments,
                headers,
                message_id,
                in_reply_to,
                references,
                date,
            )
        })?;
        Ok(OutgoingMessage { inner })
    }

    /// A reply to ``original`` from ``from_``: To is its Reply-To (or From), with
    /// ``reply_all`` its To and Cc go to Cc; ``Re:`` subject, threading headers, and the
    /// original quoted below ``text`` (your answer, when given).
    #[staticmethod]
    #[pyo3(signature = (original, from_, *, reply_all = false, text = None))]
    fn reply(
        original: &Bound<'_, Message>,
        from_: &Bound<'_, PyAny>,
        reply_all: bool,
        text: Option<String>,
    ) -> PyResult<Self> {
        guard(from_.py(), || {
            let from = one_address(from_)?;
            let mut inner = core::OutgoingMessage::reply(&original.get().inner, reply_all, from);
            if let Some(answer) = text {
                inner = inner.with_text_above(&answer);
            }
            Ok(OutgoingMessage { inner })
        })
    }

    /// A forward of ``original`` from ``from_`` to ``to`` (add recipients with ``replace``
    /// otherwise): ``Fwd:`` subject, a forwarded-message block, every attachment carried over.
    #[staticmethod]
    #[pyo3(signature = (original, from_, *, to = None, text = None))]
    fn forward(
        original: &Bound<'_, Message>,
        from_: &Bound<'_, PyAny>,
        to: Option<&Bound<'_, PyAny>>,
        text: Option<String>,
    ) -> PyResult<Self> {
        guard(from_.py(), || {
            let from = one_address(from_)?;
            let original = original.get().to_core(original.py())?;
            let mut inner = core::OutgoingMessage::forward(&original, from);
            inner.to = address_list(to)?;
            if let Some(note) = text {
                inner = inner.with_text_above(&note);
            }
            Ok(OutgoingMessage { inner })
        })
    }

    /// The message as RFC 5322 bytes (Bcc left out), as it would be sent.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        guard(py, || {
            let bytes = self.inner.to_bytes().map_err(|e| to_py_err(py, e))?;
            Ok(PyBytes::new(py, &bytes))
        })
    }

    /// The author.
    #[getter]
    fn from_(&self) -> Option<Address> {
        self.inner.from.clone().map(Address::from)
    }
    /// ``To`` recipients.
    #[getter]
    fn to(&self) -> Vec<Address> {
        addresses(self.inner.to.clone())
    }
    /// ``Cc`` recipients.
    #[getter]
    fn cc(&self) -> Vec<Address> {
        addresses(self.inner.cc.clone())
    }
    /// Blind recipients.
    #[getter]
    fn bcc(&self) -> Vec<Address> {
        addresses(self.inner.bcc.clone())
    }
    /// Where replies should go.
    #[getter]
    fn reply_to(&self) -> Vec<Address> {
        addresses(self.inner.reply_to.clone())
    }
    /// The subject.
    #[getter]
    fn subject(&self) -> Option<String> {
        self.inner.subject.clone()
    }
    /// The plain-text body.
    #[getter]
    fn text(&self) -> Option<String> {
        self.inner.text.clone()
    }
    /// The HTML body.
    #[getter]
    fn html(&self) -> Option<String> {
        self.inner.html.clone()
    }
    /// Attachments and inline images.
    #[getter]
    fn attachments(&self, py: Python<'_>) -> PyResult<Vec<Py<Attachment>>> {
        guard(py, || {
            attachment_objects(py, self.inner.attachments.iter().cloned())
        })
    }
    /// Extra headers as (name, value) pairs.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }
    /// The Message-ID without angle brackets (generated at sending when None).
    #[getter]
    fn message_id(&self) -> Option<String> {
        self.inner.message_id.clone()
    }
    /// The Message-ID this message answers.
    #[getter]
    fn in_reply_to(&self) -> Option<String> {
        self.inner.in_reply_to.clone()
    }
    /// The thread's Message-IDs, oldest first.
    #[getter]
    fn references(&self) -> Vec<String> {
        self.inner.references.clone()
    }
    /// The Date header (the time of sending when None).
    #[getter]
    fn date(&self) -> Option<DateTime<FixedOffset>> {
        self.inner.date
    }

    /// The author, recipients, subject and the number of attachments (not the bodies).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "OutgoingMessage(from_={}, to={}, subject={}, attachments={})",
            py_repr(py, self.from_())?,
            py_repr(py, self.to())?,
            py_repr(py, &self.inner.subject)?,
            self.inner.attachments.len()
        ))
    }
}
