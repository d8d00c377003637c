//! What a segment carries once decrypted: the writes, and from format 2 the facts that let a
//! reader trust the folder (the writer's name, its change count, the digest of its previous
//! segment, the segments it had seen). Format 3 compresses the payload (deflate) and carries
//! what is personal in *person blocks*, each sealed with that person's own key (see
//! `person_blocks`); a write may then be cut in two, its fields keeping their own stamps
//! through an offset list `o`. Format 4, what is written now, puts the sealed blocks after
//! the compressed JSON instead of inside it (no base64, no deflating random bytes), and a
//! block's plaintext is binary (`wire`) instead of a deflated JSON array: the same changes,
//! fewer bytes, and opening ten thousand blocks no longer sets up ten thousand inflaters.
//!
//! Why typed and borrowing: decoding was a fifth of an import's time through
//! `serde_json::Value` trees. The decoder reads straight into writes and refuses anything
//! malformed, and it computes every field's stamp (`counter + k`) with checked arithmetic
//! inside fixed ranges, so no received stamp can overflow a clock later (see [`MAX_WALL_MS`]).
//! It is public so that the fuzz target `payload` can reach it without the encryption in the
//! way. Checking values against the catalogue is `validation`'s job.

use std::borrow::Cow;

use serde::Deserialize;
use uuid::Uuid;

use super::refusal::Refusal;
use crate::changelog::{self, Change, LoggedWrite};
use crate::clock::Hlc;
use crate::schema;

/// Latest wall-clock stamp accepted: the last millisecond of the year 9999.
pub const MAX_WALL_MS: i64 = 253_402_300_799_999;
/// Largest clock counter accepted (a device would need a trillion changes in one millisecond).
pub const MAX_COUNTER: i64 = 1 << 40;
/// Largest segment number accepted (twelve digits in file names).
pub const MAX_SEQ: u64 = 999_999_999_999;
/// Largest decompressed payload or person block accepted (export cuts segments at a few
/// megabytes): a small file cannot make a reader allocate gigabytes.
pub const INFLATED_MAX: usize = 64 << 20;
/// Deflate level of the JSON of format-3 and format-4 payloads, and of format-3 blocks.
const DEFLATE_LEVEL: u8 = 6;

/// How a person block's plaintext is written: it follows the segment's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockFormat {
    /// Format 3: a JSON array of writes, deflated.
    DeflatedJson,
    /// Format 4: the same writes in binary (see `encode_block`), not compressed.
    Binary,
}

/// A person block as a format-3 or format-4 payload carries it: still sealed with the
/// person's key.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedBlock {
    pub format: BlockFormat,
    pub person: Uuid,
    /// The id of the person's key it is sealed with.
    pub key_id: [u8; 16],
    /// How many field changes it holds, as the writer counted them.
    pub count: u64,
    /// The 24-byte nonce, then the ciphertext and its tag.
    pub sealed: Vec<u8>,
}

/// A decoded format-2 payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Contents {
    /// The writer's name for itself ("Portable Sarah"), authenticated with the segment.
    pub name: Option<String>,
    /// Number of field changes, as the writer counted them.
    pub count: u64,
    /// SHA-256 of the writer's previous segment file (none for its first).
    pub prev: Option<[u8; 32]>,
    /// For each other device, the highest segment number the writer had applied.
    pub seen: Vec<(Uuid, u64)>,
    /// Device ids this writer wrote under before (a copied notebook takes a new id).
    pub former: Vec<Uuid>,
    pub changes: Vec<Change>,
    /// Person blocks not opened yet.
    pub blocks: Vec<SealedBlock>,
    /// Changes of blocks left closed on purpose (their person was erased): counted, never
    /// read.
    pub withheld: u64,
}

/// The facts a format-2 payload carries besides its writes.
pub(crate) struct Envelope<'a> {
    pub name: Option<&'a str>,
    pub prev: Option<[u8; 32]>,
    pub seen: &'a [(Uuid, u64)],
    pub former: &'a [Uuid],
}

/// A write, or the part of it (its fields at indices `only`) that goes in one place.
pub(crate) struct Piece<'a> {
    pub write: &'a LoggedWrite,
    pub only: Option<Vec<usize>>,
}

impl Piece<'_> {
    fn len(&self) -> usize {
        self.only.as_ref().map_or(self.write.fields.len(), Vec::len)
    }
}

/// Encodes a format-3 payload: the JSON of format 2 with person blocks, deflated. Only tests
/// write it now, standing for a device of the previous version.
#[cfg(test)]
pub(crate) fn encode_v3(
    envelope: &Envelope<'_>,
    pieces: &[Piece<'_>],
    blocks: &[SealedBlock],
) -> Vec<u8> {
    deflate(encode_json(3, envelope, pieces, Some(blocks), block_count(blocks)).as_bytes())
}

/// Encodes a format-4 payload: the length of the deflated JSON part (4 bytes, big-endian),
/// that part (format 3's JSON without `person_blocks`), then each person block in binary:
/// person and key id (16 bytes each), change count (varint), the sealed bytes (a long
/// string). The sealed blocks are not compressed again, nor base64-encoded.
pub(crate) fn encode_v4(
    envelope: &Envelope<'_>,
    pieces: &[Piece<'_>],
    blocks: &[SealedBlock],
) -> Vec<u8> {
    use super::wire::{put_long, put_varint};
    let json = deflate(encode_json(4, envelope, pieces, None, block_count(blocks)).as_bytes());
    let mut out = Vec::with_capacity(
        4 + json.len() + blocks.iter().map(|b| b.sealed.len() + 40).sum::<usize>(),
    );
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(&json);
    for block in blocks {
        out.extend_from_slice(block.person.as_bytes());
        out.extend_from_slice(&block.key_id);
        put_varint(&mut out, block.count);
        put_long(&mut out, &block.sealed);
    }
    out
}

fn block_count(blocks: &[SealedBlock]) -> usize {
    blocks.iter().map(|b| b.count as usize).sum()
}

/// The plaintext of a format-3 person block: its pieces as a JSON array, deflated. Only
/// tests write it now, standing for a device of the previous version.
#[cfg(test)]
pub(crate) fn encode_block_v3(pieces: &[Piece<'_>]) -> Vec<u8> {
    let mut out = String::from("[");
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&piece_to_text(piece));
    }
    out.push(']');
    deflate(out.as_bytes())
}

/// Value tags of the binary form.
const NULL: u8 = 0;
const INTEGER: u8 = 1;
const REAL: u8 = 2;
const TEXT: u8 = 3;

/// The plaintext of a format-4 person block: its pieces in binary, uncompressed.
///
/// `varint n`, then per piece: entity (short string), row id and device (16 bytes each), wall
/// milliseconds and counter of the first stamp (zigzag varints), `varint fields`, a byte
/// saying whether offsets follow each field name, then per field: its name (short string),
/// its offset (varint, if flagged), its value (a tag byte: 0 null, 1 integer as a zigzag
/// varint, 2 real as 8 bytes little-endian, 3 text as a long string), and the stamp it
/// replaced (0, or 1 then wall, counter and device).
pub(crate) fn encode_block(pieces: &[Piece<'_>]) -> Vec<u8> {
    use super::wire::{put_long, put_short, put_signed, put_varint};
    use rusqlite::types::Value;
    let mut out = Vec::with_capacity(64 + pieces.len() * 256);
    put_varint(&mut out, pieces.len() as u64);
    for piece in pieces {
        let write = piece.write;
        put_short(&mut out, write.entity.name);
        out.extend_from_slice(write.row_id.as_bytes());
        out.extend_from_slice(write.first.device.as_bytes());
        put_signed(&mut out, write.first.wall_ms);
        put_signed(&mut out, write.first.counter);
        let fields: Vec<(usize, &crate::changelog::LoggedField)> = match &piece.only {
            None => write.fields.iter().enumerate().collect(),
            Some(only) => only
                .iter()
                .filter_map(|k| write.fields.get(*k).map(|f| (*k, f)))
                .collect(),
        };
        put_varint(&mut out, fields.len() as u64);
        out.push(u8::from(piece.only.is_some()));
        for (k, (field, value, prev)) in fields {
            put_short(&mut out, field);
            if piece.only.is_some() {
                put_varint(&mut out, k as u64);
            }
            match value {
                Value::Null | Value::Blob(_) => out.push(NULL),
                Value::Integer(i) => {
                    out.push(INTEGER);
                    put_signed(&mut out, *i);
                }
                Value::Real(r) => {
                    out.push(REAL);
                    out.extend_from_slice(&r.to_le_bytes());
                }
                Value::Text(t) => {
                    out.push(TEXT);
                    put_long(&mut out, t.as_bytes());
                }
            }
            match prev {
                None => out.push(0),
                Some(stamp) => {
                    out.push(1);
                    put_signed(&mut out, stamp.wall_ms);
                    put_signed(&mut out, stamp.counter);
                    out.extend_from_slice(stamp.device.as_bytes());
                }
            }
        }
    }
    out
}

/// The changes of an opened person block of either format.
pub fn decode_block(format: BlockFormat, plain: &[u8]) -> Result<Vec<Change>, Refusal> {
    match format {
        BlockFormat::DeflatedJson => {
            let json = inflate(plain)?;
            let writes: Vec<WireWrite<'_>> =
                serde_json::from_slice(&json).map_err(|_| Refusal::BlockUnreadable)?;
            changes_of(writes)
        }
        BlockFormat::Binary => decode_binary_block(plain).ok_or(Refusal::BlockUnreadable)?,
    }
}

/// Reads [`encode_block`]'s form: `None` if malformed, a refusal if well formed but out of
/// range.
fn decode_binary_block(plain: &[u8]) -> Option<Result<Vec<Change>, Refusal>> {
    use rusqlite::types::Value;
    let mut reader = super::wire::Reader::new(plain);
    // A piece takes at least 37 bytes, a field at least 3.
    let pieces = reader.count(37)?;
    let mut changes = Vec::new();
    for _ in 0..pieces {
        let entity = reader.short_str()?;
        let row_id = reader.uuid()?;
        let device = reader.uuid()?;
        let wall_ms = reader.signed()?;
        let counter = reader.signed()?;
        let n = reader.count(3)?;
        let with_offsets = match reader.byte()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let mut offsets = Vec::with_capacity(if with_offsets { n } else { 0 });
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            let name = reader.short_str()?;
            if with_offsets {
                offsets.push(u32::try_from(reader.varint()?).ok()?);
            }
            let value = match reader.byte()? {
                NULL => Value::Null,
                INTEGER => Value::Integer(reader.signed()?),
                REAL => Value::Real(f64::from_le_bytes(reader.take(8)?.try_into().ok()?)),
                TEXT => Value::Text(std::str::from_utf8(reader.long()?).ok()?.to_owned()),
                _ => return None,
            };
            let prev = match reader.byte()? {
                0 => None,
                1 => Some(Hlc {
                    wall_ms: reader.signed()?,
                    counter: reader.signed()?,
                    device: reader.uuid()?,
                }),
                _ => return None,
            };
            fields.push((Cow::Borrowed(name), value, prev));
        }
        let write = Write {
            entity,
            row_id,
            device,
            wall_ms,
            counter,
            offsets: with_offsets.then_some(offsets.as_slice()),
            fields,
        };
        if let Err(refused) = push_write(&mut changes, write) {
            return Some(Err(refused));
        }
    }
    reader.is_empty().then_some(Ok(changes))
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(bytes, DEFLATE_LEVEL)
}

pub(crate) fn inflate(bytes: &[u8]) -> Result<Vec<u8>, Refusal> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, INFLATED_MAX)
        .map_err(|_| Refusal::BadCompression)
}

/// The JSON of formats 2 to 4; `blocks` are written into it in format 3 only, and
/// `in_blocks` is how many changes they hold (wherever they go).
fn encode_json(
    version: u32,
    envelope: &Envelope<'_>,
    pieces: &[Piece<'_>],
    blocks: Option<&[SealedBlock]>,
    in_blocks: usize,
) -> String {
    use base64::Engine as _;
    let count: usize = pieces.iter().map(Piece::len).sum::<usize>() + in_blocks;
    let mut out = String::with_capacity(256 + pieces.len() * 96);
    out.push_str(&format!(r#"{{"v":{version},"name":"#));
    out.push_str(&match envelope.name {
        Some(name) => serde_json::Value::from(name).to_string(),
        None => "null".into(),
    });
    out.push_str(&format!(r#","count":{count},"prev":"#));
    match envelope.prev {
        Some(prev) => out.push_str(&format!("\"{}\"", crate::hex::encode(&prev))),
        None => out.push_str("null"),
    }
    out.push_str(r#","seen":["#);
    for (i, (device, seq)) in envelope.seen.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("[\"{device}\",{seq}]"));
    }
    out.push_str(r#"],"former":["#);
    for (i, device) in envelope.former.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{device}\""));
    }
    out.push(']');
    if let Some(blocks) = blocks {
        out.push_str(r#","person_blocks":["#);
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                r#"{{"p":"{}","k":"{}","n":{},"b":"{}"}}"#,
                block.person,
                crate::hex::encode(&block.key_id),
                block.count,
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(&block.sealed)
            ));
        }
        out.push(']');
    }
    out.push_str(r#","writes":["#);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&piece_to_text(piece));
    }
    out.push_str("]}");
    out
}

/// Decodes a format-2 payload, refusing anything malformed.
pub fn decode(plain: &[u8]) -> Result<Contents, Refusal> {
    decode_json(plain, 2)
}

/// Decodes a format-3 payload (deflated, with person blocks), refusing anything malformed.
pub fn decode_v3(plain: &[u8]) -> Result<Contents, Refusal> {
    decode_json(&inflate(plain)?, 3)
}

/// Decodes a format-4 payload (see `encode_v4`), refusing anything malformed: the JSON
/// part must say it is format 4 and carry no `person_blocks` of its own, and the blocks must
/// fill the rest exactly.
pub fn decode_v4(plain: &[u8]) -> Result<Contents, Refusal> {
    let (json, blocks) = split_v4(plain).ok_or(Refusal::Unreadable)?;
    let mut contents = decode_json(&inflate(json)?, 4)?;
    let mut reader = super::wire::Reader::new(blocks);
    while !reader.is_empty() {
        let block = (|| {
            let person = reader.uuid()?;
            let key_id: [u8; 16] = reader.take(16)?.try_into().ok()?;
            let count = reader.varint()?;
            let sealed = reader.long()?;
            (sealed.len() >= 24 + 16).then(|| SealedBlock {
                format: BlockFormat::Binary,
                person,
                key_id,
                count,
                sealed: sealed.to_vec(),
            })
        })()
        .ok_or(Refusal::Unreadable)?;
        contents.blocks.push(block);
    }
    Ok(contents)
}

/// The deflated JSON part of a format-4 payload and the bytes of its blocks.
pub(crate) fn split_v4(plain: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = plain.split_first_chunk::<4>()?;
    rest.split_at_checked(u32::from_be_bytes(*len) as usize)
}

fn decode_json(plain: &[u8], version: u32) -> Result<Contents, Refusal> {
    use base64::Engine as _;
    let wire: WireContents<'_> = serde_json::from_slice(plain).map_err(|_| Refusal::Unreadable)?;
    if wire.v != version {
        return Err(Refusal::Unreadable);
    }
    let wire_blocks = match (version, wire.person_blocks) {
        (2, Some(blocks)) if !blocks.is_empty() => return Err(Refusal::NeedsNewerCarnet),
        (2 | 3, Some(blocks)) => blocks,
        (4, None) => Vec::new(),
        _ => return Err(Refusal::Unreadable),
    };
    let mut blocks = Vec::with_capacity(wire_blocks.len());
    for block in wire_blocks {
        let person = Uuid::parse_str(&block.p).map_err(|_| Refusal::Unreadable)?;
        let key_id = crate::hex::decode(&block.k)
            .and_then(|id| <[u8; 16]>::try_from(id.as_slice()).ok())
            .ok_or(Refusal::Unreadable)?;
        let sealed = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(block.b.as_bytes())
            .map_err(|_| Refusal::Unreadable)?;
        if sealed.len() < 24 + 16 {
            return Err(Refusal::Unreadable);
        }
        blocks.push(SealedBlock {
            format: BlockFormat::DeflatedJson,
            person,
            key_id,
            count: block.n,
            sealed,
        });
    }
    let prev = match wire.prev {
        None => None,
        Some(text) => {
            let bytes = crate::hex::decode(&text).ok_or(Refusal::Unreadable)?;
            Some(<[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| Refusal::Unreadable)?)
        }
    };
    let mut seen = Vec::with_capacity(wire.seen.len());
    for (device, seq) in wire.seen {
        let device = Uuid::parse_str(&device).map_err(|_| Refusal::Unreadable)?;
        if seq == 0 || seq > MAX_SEQ {
            return Err(Refusal::SeqOutOfRange);
        }
        seen.push((device, seq));
    }
    let former = wire
        .former
        .iter()
        .map(|d| Uuid::parse_str(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Refusal::Unreadable)?;
    Ok(Contents {
        name: wire.name.map(Cow::into_owned),
        count: wire.count,
        prev,
        seen,
        former,
        changes: changes_of(wire.writes)?,
        blocks,
        withheld: 0,
    })
}

/// Decodes a format-1 segment's payload (a bare array of writes), refusing anything malformed.
pub fn decode_v1(plain: &[u8]) -> Result<Vec<Change>, Refusal> {
    let writes: Vec<WireWrite<'_>> =
        serde_json::from_slice(plain).map_err(|_| Refusal::Unreadable)?;
    changes_of(writes)
}

fn stamp_in_range(wall_ms: i64, counter: i64) -> Result<(), Refusal> {
    if (0..=MAX_WALL_MS).contains(&wall_ms) && (0..=MAX_COUNTER).contains(&counter) {
        Ok(())
    } else {
        Err(Refusal::StampOutOfRange)
    }
}

fn changes_of(writes: Vec<WireWrite<'_>>) -> Result<Vec<Change>, Refusal> {
    let mut changes = Vec::with_capacity(writes.iter().map(|w| w.f.len()).sum());
    for write in writes {
        let mut fields = Vec::with_capacity(write.f.len());
        for WireField(name, value, prev) in write.f {
            let prev = match prev {
                Some(stamp) => Some(stamp.parse::<Hlc>().map_err(|_| Refusal::Unreadable)?),
                None => None,
            };
            fields.push((name, value.0, prev));
        }
        push_write(
            &mut changes,
            Write {
                entity: &write.e,
                row_id: Uuid::parse_str(&write.i).map_err(|_| Refusal::Unreadable)?,
                device: Uuid::parse_str(&write.d).map_err(|_| Refusal::Unreadable)?,
                wall_ms: write.w,
                counter: write.c,
                offsets: write.o.as_deref(),
                fields,
            },
        )?;
    }
    Ok(changes)
}

/// One received write, whatever form it came in, before it is checked.
struct Write<'a, 'b> {
    entity: &'b str,
    row_id: Uuid,
    device: Uuid,
    wall_ms: i64,
    counter: i64,
    /// The offset of each field's stamp from `counter`, for a part of a write.
    offsets: Option<&'b [u32]>,
    fields: Vec<(Cow<'a, str>, rusqlite::types::Value, Option<Hlc>)>,
}

/// Checks `write` (entity and fields in the catalogue, offsets strictly increasing and one
/// per field, every stamp in range) and appends its changes.
fn push_write(changes: &mut Vec<Change>, write: Write<'_, '_>) -> Result<(), Refusal> {
    let entity = schema::entity(write.entity).ok_or(Refusal::Unreadable)?;
    if let Some(offsets) = write.offsets
        && (offsets.len() != write.fields.len() || offsets.windows(2).any(|w| w[0] >= w[1]))
    {
        return Err(Refusal::Unreadable);
    }
    changes.reserve(write.fields.len());
    for (k, (name, value, prev)) in write.fields.into_iter().enumerate() {
        let field = schema::field_of(entity, &name).ok_or(Refusal::Unreadable)?;
        let offset = write.offsets.map_or(k as u64, |o| u64::from(o[k]));
        let counter = i64::try_from(offset)
            .ok()
            .and_then(|k| write.counter.checked_add(k))
            .ok_or(Refusal::StampOutOfRange)?;
        stamp_in_range(write.wall_ms, counter)?;
        if let Some(stamp) = &prev {
            stamp_in_range(stamp.wall_ms, stamp.counter)?;
        }
        changes.push(Change {
            hlc: Hlc {
                wall_ms: write.wall_ms,
                counter,
                device: write.device,
            },
            entity,
            row_id: write.row_id,
            field: field.name,
            value,
            prev,
        });
    }
    Ok(())
}

/// A format-2 payload as JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireContents<'a> {
    v: u32,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    count: u64,
    #[serde(borrow)]
    prev: Option<Cow<'a, str>>,
    #[serde(borrow)]
    seen: Vec<(Cow<'a, str>, u64)>,
    #[serde(borrow)]
    former: Vec<Cow<'a, str>>,
    /// Formats 2 and 3 only (always present there, empty in format 2).
    #[serde(borrow, default)]
    person_blocks: Option<Vec<WireBlock<'a>>>,
    #[serde(borrow)]
    writes: Vec<WireWrite<'a>>,
}

/// A person block: `{"p": person, "k": key id (hex), "n": change count, "b": base64}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireBlock<'a> {
    #[serde(borrow)]
    p: Cow<'a, str>,
    #[serde(borrow)]
    k: Cow<'a, str>,
    n: u64,
    #[serde(borrow)]
    b: Cow<'a, str>,
}

/// One write as the payload carries it (see [`write_to_text`]).
#[derive(Deserialize)]
struct WireWrite<'a> {
    #[serde(borrow)]
    e: Cow<'a, str>,
    #[serde(borrow)]
    i: Cow<'a, str>,
    #[serde(borrow)]
    d: Cow<'a, str>,
    w: i64,
    c: i64,
    #[serde(borrow)]
    f: Vec<WireField<'a>>,
    /// Format 3: the offset of each field's stamp from `c`, for a part of a write.
    #[serde(default)]
    o: Option<Vec<u32>>,
}

/// `["field", value]` or `["field", value, "replaced stamp"]`.
struct WireField<'a>(Cow<'a, str>, WireValue, Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for WireField<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = WireField<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[champ, valeur] ou [champ, valeur, horodatage]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let name: Cow<'a, str> = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let value: WireValue = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                let prev: Option<Option<Cow<'a, str>>> = seq.next_element()?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(4, &self));
                }
                Ok(WireField(name, value, prev.flatten()))
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// A field value: null, an integer, a real or a text (as the change log stores them).
struct WireValue(rusqlite::types::Value);

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use rusqlite::types::Value;
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = WireValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, un nombre ou un texte")
            }
            fn visit_unit<E>(self) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Null))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Integer(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<WireValue, E> {
                Ok(WireValue(match i64::try_from(v) {
                    Ok(i) => Value::Integer(i),
                    Err(_) => Value::Real(v as f64),
                }))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Real(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Text(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Text(v)))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// One write of a segment's payload: `{"e", "i", "d", "w", "c", "f"}`, where `f` is the
/// field list exactly as the change log encodes it.
fn write_to_text(write: &LoggedWrite) -> String {
    piece_to_text(&Piece { write, only: None })
}

/// A write, or part of it: with `only`, just those fields, and `"o"` their stamps' offsets.
fn piece_to_text(piece: &Piece<'_>) -> String {
    let write = piece.write;
    let fields: Vec<(&str, &rusqlite::types::Value, Option<Hlc>)> = match &piece.only {
        None => write
            .fields
            .iter()
            .map(|(field, value, prev)| (*field, value, *prev))
            .collect(),
        Some(only) => only
            .iter()
            .filter_map(|k| write.fields.get(*k))
            .map(|(field, value, prev)| (*field, value, *prev))
            .collect(),
    };
    let offsets = match &piece.only {
        None => String::new(),
        Some(only) => format!(
            r#","o":[{}]"#,
            only.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    // Entity names and uuids are plain identifiers: nothing to escape.
    format!(
        r#"{{"e":"{}","i":"{}","d":"{}","w":{},"c":{},"f":{}{offsets}}}"#,
        write.entity.name,
        write.row_id,
        write.first.device,
        write.first.wall_ms,
        write.first.counter,
        changelog::encode(&fields)
    )
}

/// About how many bytes a write takes in a payload (to cut segments at a target size).
pub(crate) fn estimated_len(write: &LoggedWrite) -> usize {
    write
        .fields
        .iter()
        .map(|(field, value, prev)| {
            field.len()
                + 8
                + prev.map_or(0, |_| 64)
                + match value {
                    rusqlite::types::Value::Text(t) => t.len() + t.len() / 8 + 2,
                    _ => 20,
                }
        })
        .sum::<usize>()
        + 140
}

/// Encodes writes as a format-1 payload (for tests standing for a device not yet updated).
pub fn encode_v1(writes: &[LoggedWrite]) -> Vec<u8> {
    let payload: Vec<String> = writes.iter().map(write_to_text).collect();
    format!("[{}]", payload.join(",")).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;

    fn write() -> LoggedWrite {
        LoggedWrite {
            seq: 1,
            first: Hlc {
                wall_ms: 1_764_070_000_000,
                counter: 3,
                device: Uuid::from_u128(1),
            },
            entity: &schema::PERSON,
            row_id: Uuid::from_u128(9),
            fields: vec![
                ("first_name", Value::Text("Éloïse".into()), None),
                ("gender", Value::Text("female".into()), None),
                ("phone", Value::Text("0639981234".into()), None),
            ],
        }
    }

    #[test]
    fn a_write_cut_in_two_keeps_each_fields_stamp() {
        let w = write();
        let envelope = Envelope {
            name: Some("Portable"),
            prev: None,
            seen: &[],
            former: &[],
        };
        let plain = [Piece {
            write: &w,
            only: Some(vec![1]),
        }];
        let inside = [Piece {
            write: &w,
            only: Some(vec![0, 2]),
        }];
        // Format 4, as written now, and format 3, as the previous version wrote it.
        let formats = [
            (
                decode_block(BlockFormat::Binary, &encode_block(&inside)).unwrap(),
                decode_v4(&encode_v4(&envelope, &plain, &[])).unwrap(),
            ),
            (
                decode_block(BlockFormat::DeflatedJson, &encode_block_v3(&inside)).unwrap(),
                decode_v3(&encode_v3(&envelope, &plain, &[])).unwrap(),
            ),
        ];
        for (block, contents) in &formats {
            let stamps: Vec<(i64, &str)> = contents
                .changes
                .iter()
                .chain(block)
                .map(|c| (c.hlc.counter, c.field))
                .collect();
            assert_eq!(stamps, [(4, "gender"), (3, "first_name"), (5, "phone")]);
            let whole: Vec<Change> = w.changes().collect();
            for change in contents.changes.iter().chain(block) {
                assert!(whole.contains(change), "{change:?}");
            }
        }
    }

    #[test]
    fn a_binary_block_reads_back_every_kind_of_value_and_refuses_any_damage() {
        let mut w = write();
        w.fields.push(("lives_in_qpv", Value::Integer(-1), None));
        w.fields.push((
            "note",
            Value::Text("Projet : traiteur « fait maison »".into()),
            Some(Hlc {
                wall_ms: 1_764_000_000_000,
                counter: 7,
                device: Uuid::from_u128(4),
            }),
        ));
        w.fields.push(("city", Value::Null, None));
        let whole = [Piece {
            write: &w,
            only: None,
        }];
        let bytes = encode_block(&whole);
        let back = decode_block(BlockFormat::Binary, &bytes).unwrap();
        assert_eq!(back, w.changes().collect::<Vec<_>>());
        // Every truncation, and a byte more, is refused; so is each byte changed to 0xff
        // where it makes the form invalid (a change inside a value may still read: the
        // block's authentication, not its form, protects its content).
        for cut in 0..bytes.len() {
            assert!(
                decode_block(BlockFormat::Binary, &bytes[..cut]).is_err(),
                "{cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_block(BlockFormat::Binary, &longer).is_err());
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] = 0xff;
            if let Ok(changes) = decode_block(BlockFormat::Binary, &damaged) {
                assert_eq!(changes.len(), back.len(), "byte {at}");
            }
        }
        // A JSON block is not a binary one.
        assert!(decode_block(BlockFormat::Binary, &encode_block_v3(&whole)).is_err());
    }

    #[test]
    fn a_format_4_payload_refuses_blocks_in_its_json_and_bytes_after_its_blocks() {
        let envelope = Envelope {
            name: None,
            prev: None,
            seen: &[],
            former: &[],
        };
        let block = SealedBlock {
            format: BlockFormat::Binary,
            person: Uuid::from_u128(9),
            key_id: [7; 16],
            count: 3,
            sealed: vec![1; 64],
        };
        let good = encode_v4(&envelope, &[], std::slice::from_ref(&block));
        assert_eq!(decode_v4(&good).unwrap().blocks, vec![block]);
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(decode_v4(&trailing).is_err());
        assert!(decode_v4(&good[..good.len() - 1]).is_err());
        // Format 3's JSON (with "person_blocks") inside a format-4 frame: refused.
        let json = deflate(encode_json(4, &envelope, &[], Some(&[]), 0).as_bytes());
        let mut framed = (json.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&json);
        assert_eq!(decode_v4(&framed), Err(Refusal::Unreadable));
        // A JSON part longer than the payload: refused, nothing read past the end.
        let mut lying = good.clone();
        lying[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode_v4(&lying).is_err());
    }

    #[test]
    fn offsets_out_of_order_and_inflation_bombs_are_refused() {
        let bad = r#"[{"e":"person","i":"00000000-0000-0000-0000-000000000009","d":"00000000-0000-0000-0000-000000000001","w":1,"c":0,"f":[["first_name","A"],["last_name","B"]],"o":[1,1]}]"#;
        assert!(decode_block(BlockFormat::DeflatedJson, &deflate(bad.as_bytes())).is_err());
        let short = r#"[{"e":"person","i":"00000000-0000-0000-0000-000000000009","d":"00000000-0000-0000-0000-000000000001","w":1,"c":0,"f":[["first_name","A"],["last_name","B"]],"o":[1]}]"#;
        assert!(decode_block(BlockFormat::DeflatedJson, &deflate(short.as_bytes())).is_err());
        // 80 MiB of zeros compress to a few kilobytes: refused, never inflated whole.
        let bomb = deflate(&vec![0u8; 80 << 20]);
        assert!(bomb.len() < 1 << 20);
        assert!(decode_v3(&bomb).is_err());
        assert!(decode_block(BlockFormat::DeflatedJson, &bomb).is_err());
        let mut framed = (bomb.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&bomb);
        assert!(decode_v4(&framed).is_err());
    }
}
