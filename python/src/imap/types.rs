//! Glue for the values IMAP calls return (`mailwire::imap::types`): frozen classes with
//! readable `repr`s, aware datetimes, tuples for sequences in summaries.

use chrono::{DateTime, FixedOffset};
use mailwire::imap as core;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFrozenSet, PyList, PyRange, PySet, PyTuple};

use crate::message::{addresses, Address};
use crate::record::record;

fn flag_strings(flags: &[core::Flag]) -> Vec<String> {
    flags.iter().map(|f| f.as_imap().to_string()).collect()
}

record! {
    /// A mailbox as listed by the server.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct Mailbox {
        /// The full name in UTF-8, hierarchy levels joined by ``delimiter``.
        name: String,
        /// The hierarchy delimiter (``/`` or ``.``), if any.
        delimiter: Option<String>,
        /// The raw name attributes (``\HasNoChildren``, ``\Sent``, ``\Noselect``…).
        attributes: Vec<String>,
        /// The special-use role: ``inbox``, ``sent``, ``drafts``, ``trash``, ``junk``,
        /// ``archive``, ``all``, ``flagged``, or None.
        role: Option<String>,
        /// Whether the user is subscribed to it.
        subscribed: bool,
        /// Whether messages can be stored in it (no ``\Noselect``).
        selectable: bool,
    }
}

impl From<core::Mailbox> for Mailbox {
    fn from(m: core::Mailbox) -> Self {
        let selectable = m.selectable();
        Mailbox {
            name: m.name,
            delimiter: m.delimiter,
            attributes: m.attributes,
            role: m.role.map(|r| r.as_str().to_string()),
            subscribed: m.subscribed,
            selectable,
        }
    }
}

pub(crate) fn mailboxes(list: Vec<core::Mailbox>) -> Vec<Mailbox> {
    list.into_iter().map(Mailbox::from).collect()
}

record! {
    /// Counters of a mailbox (STATUS).
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct MailboxStatus {
        /// Number of messages.
        messages: u32,
        /// Number of messages without ``\Seen``.
        unseen: u32,
        /// Number of messages with ``\Recent``.
        recent: u32,
        /// The UID the next message will get.
        uid_next: u32,
        /// The UID validity; when it changes, cached UIDs are void.
        uid_validity: u32,
        /// The highest modification sequence (CONDSTORE), if any.
        highest_modseq: Option<u64>,
    }
}

impl From<core::MailboxStatus> for MailboxStatus {
    fn from(s: core::MailboxStatus) -> Self {
        MailboxStatus {
            messages: s.messages,
            unseen: s.unseen,
            recent: s.recent,
            uid_next: s.uid_next,
            uid_validity: s.uid_validity,
            highest_modseq: s.highest_modseq,
        }
    }
}

record! {
    /// The envelope of a message as the server parsed it (headers decoded).
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct Envelope {
        /// The Date header, an aware datetime.
        date: Option<DateTime<FixedOffset>>,
        /// The subject, decoded.
        subject: Option<String>,
        /// From.
        from_: Py<PyTuple>,
        /// Sender.
        sender: Py<PyTuple>,
        /// Reply-To.
        reply_to: Py<PyTuple>,
        /// To.
        to: Py<PyTuple>,
        /// Cc.
        cc: Py<PyTuple>,
        /// Bcc (only on the sender's copy).
        bcc: Py<PyTuple>,
        /// Message-ID without angle brackets.
        message_id: Option<String>,
        /// In-Reply-To without angle brackets.
        in_reply_to: Option<String>,
    }
}

fn address_tuple(py: Python<'_>, list: Vec<mailwire::Address>) -> PyResult<Py<PyTuple>> {
    let items = addresses(list)
        .into_iter()
        .map(|a| Py::new(py, a))
        .collect::<PyResult<Vec<Py<Address>>>>()?;
    Ok(PyTuple::new(py, items)?.unbind())
}

impl Envelope {
    fn new(py: Python<'_>, e: core::Envelope) -> PyResult<Self> {
        Ok(Envelope {
            date: e.date,
            subject: e.subject,
            from_: address_tuple(py, e.from)?,
            sender: address_tuple(py, e.sender)?,
            reply_to: address_tuple(py, e.reply_to)?,
            to: address_tuple(py, e.to)?,
            cc: address_tuple(py, e.cc)?,
            bcc: address_tuple(py, e.bcc)?,
            message_id: e.message_id,
            in_reply_to: e.in_reply_to,
        })
    }
}

record! {
    /// An attachment known from BODYSTRUCTURE, before anything is downloaded.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct AttachmentInfo {
        /// The IMAP part number (``"2"``, ``"1.3"``) for ``download`` / ``save_attachment``.
        part: String,
        /// The file name, decoded.
        filename: Option<String>,
        /// The MIME type in lower case.
        content_type: String,
        /// The size on the wire (transfer-encoded).
        size: u32,
        /// The Content-ID without angle brackets.
        content_id: Option<String>,
        /// Whether it is shown inline.
        inline: bool,
        /// The Content-Transfer-Encoding in lower case.
        encoding: String,
    }
}

impl From<core::AttachmentInfo> for AttachmentInfo {
    fn from(a: core::AttachmentInfo) -> Self {
        AttachmentInfo {
            part: a.part,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            content_id: a.content_id,
            inline: a.inline,
            encoding: a.encoding,
        }
    }
}

record! {
    /// What the server knows about a message, fetched without downloading it.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct MessageSummary {
        /// The UID.
        uid: u32,
        /// Flags and keywords (``"\\Seen"``, ``"$Work"``).
        flags: Py<PyTuple>,
        /// Size of the whole message in bytes.
        size: u32,
        /// When the server received it (aware datetime).
        internal_date: Option<DateTime<FixedOffset>>,
        /// Modification sequence (CONDSTORE).
        modseq: Option<u64>,
        /// The envelope.
        envelope: Py<Envelope>,
        /// The attachments, from BODYSTRUCTURE.
        attachments: Py<PyTuple>,
        /// Gmail's message id (X-GM-MSGID) on servers with ``X-GM-EXT-1``, else None.
        gmail_message_id: Option<u64>,
        /// Gmail's thread id (X-GM-THRID) on servers with ``X-GM-EXT-1``, else None.
        gmail_thread_id: Option<u64>,
        /// Gmail's labels (``"\\Inbox"``, ``"\\Important"``, user labels such as
        /// ``"Work/2026"``) on servers with ``X-GM-EXT-1``; empty elsewhere.
        gmail_labels: Py<PyTuple>,
    }
    methods {
        /// Whether the message carries ``flag`` (system flags compared case-insensitively).
        fn has_flag(&self, py: Python<'_>, flag: &str) -> PyResult<bool> {
            crate::error::guard(py, || {
                let want = core::Flag::parse(flag);
                for f in self.flags.bind(py).iter() {
                    if core::Flag::parse(f.extract::<&str>()?) == want {
                        return Ok(true);
                    }
                }
                Ok(false)
            })
        }
    }
}

impl MessageSummary {
    fn new(py: Python<'_>, s: core::MessageSummary) -> PyResult<Self> {
        let attachments = s
            .attachments
            .into_iter()
            .map(|a| Py::new(py, AttachmentInfo::from(a)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(MessageSummary {
            uid: s.uid,
            flags: PyTuple::new(py, flag_strings(&s.flags))?.unbind(),
            size: s.size,
            internal_date: s.internal_date,
            modseq: s.modseq,
            envelope: Py::new(py, Envelope::new(py, s.envelope)?)?,
            attachments: PyTuple::new(py, attachments)?.unbind(),
            gmail_message_id: s.gmail_message_id,
            gmail_thread_id: s.gmail_thread_id,
            gmail_labels: PyTuple::new(py, s.gmail_labels)?.unbind(),
        })
    }
}

/// A batch of summaries, converted to a Python list in one go when it crosses the FFI.
pub(crate) struct SummaryBatch(pub(crate) Vec<core::MessageSummary>);

impl<'py> IntoPyObject<'py> for SummaryBatch {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .0
            .into_iter()
            .map(|s| Py::new(py, MessageSummary::new(py, s)?))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
}

record! {
    /// The whole source of one message, from ``fetch_raw_many``. Its ``repr`` shows the
    /// size of ``data``, not the bytes.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct RawMessage {
        /// The message's UID.
        uid: u32,
        /// The message as stored on the server (RFC 5322 bytes; the same object on each
        /// access).
        data: Py<PyBytes>,
    }
}

/// A batch of raw messages, converted to a Python list in one go when it crosses the FFI
/// (each message's bytes copied once, into its ``bytes`` object).
pub(crate) struct RawBatch(pub(crate) Vec<core::RawMessage>);

impl<'py> IntoPyObject<'py> for RawBatch {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .0
            .into_iter()
            .map(|m| {
                Py::new(
                    py,
                    RawMessage {
                        uid: m.uid,
                        data: PyBytes::new(py, &m.data).unbind(),
                    },
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
}

/// Source UID → destination UID, from COPYUID (UIDPLUS): a read-only mapping
/// (``collections.abc.Mapping``) of ints.
///
/// ``m[uid]`` (KeyError when the source UID was not copied), ``m.get(uid)``, ``uid in m``,
/// ``len(m)``, ``dict(m)``, ``keys()`` / ``values()`` / ``items()``; iteration is in source
/// UID order. It compares equal to any mapping with the same pairs (``uid_validity`` is not
/// compared).
#[pyclass(frozen, module = "mailwire._core", mapping)]
pub struct UidMap {
    uid_validity: Option<u32>,
    pairs: std::collections::BTreeMap<u32, u32>,
}

impl From<core::UidMap> for UidMap {
    fn from(m: core::UidMap) -> Self {
        UidMap {
            uid_validity: m.uid_validity,
            pairs: m.pairs.into_iter().collect(),
        }
    }
}

/// A view class of `collections.abc` (``KeysView``…) over `mapping`.
fn view<'py>(mapping: &Bound<'py, UidMap>, class: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = mapping.py();
    py.import("collections.abc")?
        .getattr(class)?
        .call1((mapping,))
}

#[pymethods]
impl UidMap {
    /// A map from a dict or ``(source, destination)`` pairs (results come from
    /// ``copy_messages`` and ``move_messages``; this is for pickling and tests).
    #[new]
    #[pyo3(signature = (pairs = None, uid_validity = None))]
    fn new(pairs: Option<&Bound<'_, PyAny>>, uid_validity: Option<u32>) -> PyResult<Self> {
        let mut map = std::collections::BTreeMap::new();
        if let Some(p) = pairs {
            let items = if p.hasattr("items")? {
                p.call_method0("items")?
            } else {
                p.clone()
            };
            for pair in items.try_iter()? {
                let (s, d): (u32, u32) = pair?.extract()?;
                map.insert(s, d);
            }
        }
        Ok(UidMap {
            uid_validity,
            pairs: map,
        })
    }

    /// The destination mailbox's UID validity, when reported.
    #[getter]
    fn uid_validity(&self) -> Option<u32> {
        self.uid_validity
    }

    /// ``(source, destination)`` pairs in source UID order.
    #[getter]
    fn pairs(&self) -> Vec<(u32, u32)> {
        self.pairs.iter().map(|(s, d)| (*s, *d)).collect()
    }

    /// The destination UID of ``source``, or ``default``.
    #[pyo3(signature = (source, default = None))]
    fn get(&self, source: &Bound<'_, PyAny>, default: Option<Py<PyAny>>) -> Py<PyAny> {
        let py = source.py();
        match as_uid(source).and_then(|s| self.pairs.get(&s)) {
            Some(d) => d
                .into_pyobject(py)
                .map(|d| d.into_any().unbind())
                .unwrap_or_else(|e| match e {}),
            None => default.unwrap_or_else(|| py.None()),
        }
    }

    fn __getitem__(&self, source: &Bound<'_, PyAny>) -> PyResult<u32> {
        as_uid(source)
            .and_then(|s| self.pairs.get(&s).copied())
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(source.clone().unbind()))
    }

    fn __contains__(&self, source: &Bound<'_, PyAny>) -> bool {
        as_uid(source).is_some_and(|s| self.pairs.contains_key(&s))
    }

    fn __len__(&self) -> usize {
        self.pairs.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let keys: Vec<u32> = self.pairs.keys().copied().collect();
        PyList::new(py, keys)?.try_iter().map(Bound::into_any)
    }

    /// The source UIDs (a ``KeysView``).
    fn keys<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        view(slf, "KeysView")
    }

    /// The destination UIDs, in source UID order (a ``ValuesView``).
    fn values<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        view(slf, "ValuesView")
    }

    /// ``(source, destination)`` pairs (an ``ItemsView``).
    fn items<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        view(slf, "ItemsView")
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let equal = if let Ok(o) = other.cast::<UidMap>() {
            o.get().pairs == slf.get().pairs
        } else if other.is_instance(&py.import("collections.abc")?.getattr("Mapping")?)? {
            let mine = pyo3::types::PyDict::new(py);
            for (s, d) in &slf.get().pairs {
                mine.set_item(s, d)?;
            }
            mine.eq(other)?
        } else {
            return Ok(py.NotImplemented());
        };
        Ok(pyo3::types::PyBool::new(py, equal)
            .to_owned()
            .into_any()
            .unbind())
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let args = (slf.get().pairs(), slf.get().uid_validity).into_pyobject(py)?;
        PyTuple::new(py, [slf.get_type().into_any(), args.into_any()])
    }

    fn __repr__(&self) -> String {
        let pairs: Vec<String> = self
            .pairs
            .iter()
            .map(|(s, d)| format!("{s}: {d}"))
            .collect();
        format!(
            "UidMap({{{}}}, uid_validity={})",
            pairs.join(", "),
            self.uid_validity
                .map_or_else(|| "None".to_string(), |v| v.to_string())
        )
    }
}

/// A set of UIDs kept as ranges, as the server sent them (``VANISHED 1:100000`` is one
/// range, never a list of 100,000 ints). Immutable.
///
/// ``len()`` counts the UIDs, ``in`` tests one, iterating yields them one at a time in
/// ascending order, ``ranges`` gives the inclusive ``(first, last)`` pairs and ``str()`` the
/// IMAP syntax (``"1:5,7"``). It compares equal to another ``UidSet`` with the same UIDs, to
/// a ``set``/``frozenset`` of the same UIDs, and to a list, tuple or ``range`` that lists
/// them in ascending order; none of these comparisons expands the ranges. It can be passed
/// back wherever UIDs are accepted.
#[pyclass(frozen, from_py_object, module = "mailwire._core", name = "UidSet")]
#[derive(Clone, Default)]
pub struct UidSet {
    pub(crate) inner: core::UidSet,
}

impl From<core::UidSet> for UidSet {
    fn from(inner: core::UidSet) -> Self {
        UidSet { inner }
    }
}

/// `obj` as a UID, or None when it is not an int from 1 to 2**32-1.
fn as_uid(obj: &Bound<'_, PyAny>) -> Option<u32> {
    obj.extract::<u32>().ok().filter(|&u| u > 0)
}

impl UidSet {
    /// Whether iterating `self` yields exactly the items of `other`, in order; stops at the
    /// first difference, so it walks at most `len(other)` UIDs of `self`.
    fn same_sequence(&self, other: &Bound<'_, PyAny>, len: usize) -> PyResult<bool> {
        if len as u64 != self.inner.count() {
            return Ok(false);
        }
        let mut mine = self.inner.iter();
        for item in other.try_iter()? {
            match (as_uid(&item?), mine.next()) {
                (Some(a), Some(b)) if a == b => {}
                _ => return Ok(false),
            }
        }
        Ok(mine.next().is_none())
    }

    /// Whether `other` (a set) holds exactly the UIDs of `self`.
    fn same_members(&self, other: &Bound<'_, PyAny>, len: usize) -> PyResult<bool> {
        if len as u64 != self.inner.count() {
            return Ok(false);
        }
        for item in other.try_iter()? {
            match as_uid(&item?) {
                Some(u) if self.inner.contains(u) => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

#[pymethods]
impl UidSet {
    /// A set from inclusive ``(first, last)`` ranges in any order; overlaps are merged and
    /// 0 is left out. ``UidSet([(1, 5), (7, 7)])`` is ``1:5,7``.
    #[new]
    #[pyo3(signature = (ranges = Vec::new()))]
    fn new(py: Python<'_>, ranges: Vec<(u32, u32)>) -> PyResult<Self> {
        crate::error::guard(py, || Ok(core::UidSet::from_ranges(ranges).into()))
    }

    /// The inclusive ``(first, last)`` ranges, ascending and disjoint; a ``last`` of
    /// ``2**32-1`` means ``*`` (up to the highest UID).
    #[getter]
    fn ranges(&self) -> Vec<(u32, u32)> {
        self.inner.ranges().to_vec()
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        crate::error::guard(py, || {
            Ok(usize::try_from(self.inner.count()).unwrap_or(usize::MAX))
        })
    }

    fn __bool__(&self) -> bool {
        !self.inner.is_empty()
    }

    fn __contains__(&self, uid: &Bound<'_, PyAny>) -> PyResult<bool> {
        crate::error::guard(uid.py(), || {
            Ok(as_uid(uid).is_some_and(|u| self.inner.contains(u)))
        })
    }

    fn __iter__(slf: Bound<'_, Self>) -> UidSetIterator {
        UidSetIterator {
            set: slf.unbind(),
            range: 0,
            next: None,
        }
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let equal = if let Ok(o) = other.cast::<UidSet>() {
            o.get().inner == self.inner
        } else if let Ok(r) = other.cast::<PyRange>() {
            let step: i64 = r.getattr("step")?.extract()?;
            let (start, stop): (i64, i64) = (
                r.getattr("start")?.extract()?,
                r.getattr("stop")?.extract()?,
            );
            if step == 1 && stop > start {
                // One run of consecutive UIDs: compare as a range, whatever its length.
                match (u32::try_from(start), u32::try_from(stop - 1)) {
                    (Ok(a), Ok(b)) if a > 0 => self.inner.ranges() == [(a, b)],
                    _ => false,
                }
            } else {
                self.same_sequence(other, r.len()?)?
            }
        } else if other.cast::<PyList>().is_ok() || other.cast::<PyTuple>().is_ok() {
            self.same_sequence(other, other.len()?)?
        } else if other.cast::<PySet>().is_ok() || other.cast::<PyFrozenSet>().is_ok() {
            self.same_members(other, other.len()?)?
        } else {
            return Ok(py.NotImplemented());
        };
        Ok(equal.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.hash(&mut h);
        h.finish()
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        crate::error::guard(py, || Ok(self.inner.to_string()))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let args = (slf.get().ranges(),).into_pyobject(py)?;
        PyTuple::new(py, [slf.get_type().into_any(), args.into_any()])
    }

    fn __repr__(&self) -> String {
        // IMAP set syntax has only digits, ':', ',' and '*': nothing to escape.
        format!("UidSet('{}')", self.inner)
    }
}

/// Iterates a ``UidSet`` one UID at a time, ascending, without building a list.
#[pyclass(module = "mailwire._core")]
pub struct UidSetIterator {
    set: Py<UidSet>,
    /// The index of the range being walked.
    range: usize,
    /// The next UID to yield within that range (None: its first).
    next: Option<u32>,
}

#[pymethods]
impl UidSetIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> Option<u32> {
        let ranges = self.set.get().inner.ranges();
        let &(first, last) = ranges.get(self.range)?;
        let uid = self.next.unwrap_or(first);
        if uid == last {
            self.range += 1;
            self.next = None;
        } else {
            self.next = Some(uid + 1);
        }
        Some(uid)
    }
}

record! {
    /// Something that changed in a mailbox, pushed by the server during IDLE.
    ///
    /// ``kind`` is ``"exists"`` (``count`` is the new message count), ``"expunge"`` (``uids``
    /// when the server told them, else ``seq``), ``"flags"`` (``uid``, ``seq``, ``flags``,
    /// ``modseq``) or ``"overflow"`` (more events arrived than the client keeps between two
    /// calls, 10,000: the oldest ``dropped`` were discarded; resynchronise with ``sync``).
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct MailboxEvent {
        /// ``"exists"``, ``"expunge"``, ``"flags"`` or ``"overflow"``.
        kind: String,
        /// The new message count (``exists``).
        count: Option<u32>,
        /// UIDs removed (``expunge`` with QRESYNC), as ranges; empty otherwise.
        uids: UidSet,
        /// The sequence number (``expunge``, ``flags``).
        seq: Option<u32>,
        /// The UID (``flags``), when sent.
        uid: Option<u32>,
        /// The flags now (``flags``).
        flags: Vec<String>,
        /// The new modseq (``flags``).
        modseq: Option<u64>,
        /// How many events were discarded (``overflow``).
        dropped: Option<u64>,
    }
}

impl From<core::MailboxEvent> for MailboxEvent {
    fn from(e: core::MailboxEvent) -> Self {
        let mut out = MailboxEvent {
            kind: "exists".into(),
            count: None,
            uids: UidSet::default(),
            seq: None,
            uid: None,
            flags: Vec::new(),
            modseq: None,
            dropped: None,
        };
        match e {
            core::MailboxEvent::Exists { count, .. } => out.count = Some(count),
            core::MailboxEvent::Expunge { uids, seq } => {
                out.kind = "expunge".into();
                out.uids = uids.into();
                out.seq = seq;
            }
            core::MailboxEvent::Flags {
                uid,
                seq,
                flags,
                modseq,
            } => {
                out.kind = "flags".into();
                out.uid = uid;
                out.seq = Some(seq);
                out.flags = flag_strings(&flags);
                out.modseq = modseq;
            }
            core::MailboxEvent::Overflow { dropped } => {
                out.kind = "overflow".into();
                out.dropped = Some(dropped);
            }
        }
        out
    }
}

pub(crate) fn events(list: Vec<core::MailboxEvent>) -> Vec<MailboxEvent> {
    list.into_iter().map(MailboxEvent::from).collect()
}

record! {
    /// A message whose flags changed, found by ``sync``.
    #[pyclass(frozen, from_py_object, module = "mailwire._core")]
    #[derive(Clone)]
    pub struct FlagChange {
        /// The UID.
        uid: u32,
        /// Its flags now.
        flags: Vec<String>,
        /// Its modseq.
        modseq: Option<u64>,
    }
}

record! {
    /// What changed in a mailbox since a saved state; store ``state`` (a string) for next
    /// time.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct SyncResult {
        /// The state to pass to the next ``sync`` (a string; store it anywhere).
        state: String,
        /// UIDs of new messages (every message on a full resync), ascending.
        new: Vec<u32>,
        /// Messages whose flags changed.
        changed: Vec<FlagChange>,
        /// UIDs of messages that are gone, as ranges (the server reports ranges, which may
        /// include UIDs this client never saw).
        vanished: UidSet,
        /// True when the saved state was void: drop the cache, ``new`` is the whole content.
        full_resync: bool,
    }
}

impl From<core::SyncResult> for SyncResult {
    fn from(r: core::SyncResult) -> Self {
        SyncResult {
            state: r.state.to_string(),
            new: r.new,
            changed: r
                .changed
                .into_iter()
                .map(|c| FlagChange {
                    uid: c.uid,
                    flags: flag_strings(&c.flags),
                    modseq: c.modseq,
                })
                .collect(),
            vanished: r.vanished.into(),
            full_resync: r.full_resync,
        }
    }
}

record! {
    /// What the server answered to ``raw_command``.
    #[pyclass(frozen, module = "mailwire._core")]
    pub struct RawResponse {
        /// The tagged status: ``"OK"``, ``"NO"`` or ``"BAD"``.
        status: String,
        /// The rest of the tagged line (a ``[CODE]`` first, when the server sent one).
        text: String,
        /// Every untagged response (``* …``) in the order received, without its final CRLF.
        untagged: Vec<String>,
    }
    methods {
        /// Whether ``status`` is ``"OK"``.
        #[getter]
        fn is_ok(&self) -> bool {
            self.status == "OK"
        }
    }
}

impl From<core::RawResponse> for RawResponse {
    fn from(r: core::RawResponse) -> Self {
        RawResponse {
            status: r.status,
            text: r.text,
            untagged: r.untagged,
        }
    }
}
