//! Photos taken at the returns desk: of a return's parcel, of one returned
//! unit (the evidence behind its grade), or of a parcel nobody could
//! identify yet (they follow it to its return once it is matched).
//!
//! Kept in the database, so that every instance serves every photo; added,
//! never edited. A photo is what its first bytes say (JPEG, PNG or WebP),
//! whatever the sender declared; anything else is refused.
//!
//! Who sees which: staff and the platform see all of a return's photos; a
//! supplier sees the photos of its own units only. A parcel's photo shows
//! its label, and the label the buyer's name and address, which are not a
//! supplier's to see.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::store::{self, NewPhotoRow, PhotoMeta};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::ids::{ReturnId, ReturnPhotoId, SupplierId, UnidentifiedReturnId};

/// The largest photo taken in: a handheld's camera makes 1 to 4 MiB.
pub const MAX_BYTES: usize = 8 << 20;
/// Photos of one return or one unidentified parcel, at most.
pub const MAX_PER_PARCEL: usize = 30;
/// What a `415` on a photo upload asks for.
pub const EXPECTED: &str = "image/jpeg, image/png or image/webp";

/// The kinds of image kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
}

impl MediaType {
    /// The `Content-Type`s a photo upload may declare.
    pub const ACCEPTED: [&'static str; 3] = ["image/jpeg", "image/png", "image/webp"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "image/jpeg" | "image/jpg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// What the bytes are, by their signature: JPEG's start-of-image
    /// marker, PNG's eight-byte signature followed by its header chunk,
    /// WebP's RIFF container.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.len() >= 4 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
            return Some(Self::Jpeg);
        }
        if bytes.len() >= 16 && bytes[..8] == *b"\x89PNG\r\n\x1a\n" && bytes[12..16] == *b"IHDR" {
            return Some(Self::Png);
        }
        if bytes.len() >= 16 && bytes[..4] == *b"RIFF" && bytes[8..12] == *b"WEBP" {
            return Some(Self::Webp);
        }
        None
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

/// An image that passed the checks: not empty, not too large, a JPEG, PNG
/// or WebP by its bytes, and what the sender said it was.
#[derive(Debug, Clone)]
pub struct Image {
    media_type: MediaType,
    bytes: Vec<u8>,
}

impl Image {
    /// `declared`: the upload's `Content-Type`, if it had one.
    pub fn new(bytes: Vec<u8>, declared: Option<&str>) -> Result<Self, AppError> {
        if bytes.is_empty() {
            return Err(AppError::invalid("photo", "empty_photo", "the photo is empty: take it again"));
        }
        if bytes.len() > MAX_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        let Some(media_type) = MediaType::sniff(&bytes) else {
            return Err(AppError::invalid(
                "photo",
                "not_an_image",
                format!("the photo is not a JPEG, PNG or WebP image (by its first bytes); send {EXPECTED}"),
            ));
        };
        if let Some(d) = declared.filter(|d| !d.trim().is_empty() && *d != "application/octet-stream")
            && MediaType::parse(d) != Some(media_type)
        {
            return Err(AppError::invalid(
                "photo",
                "photo_type_mismatch",
                format!("the photo was sent as {d} but its bytes are {}", media_type.as_str()),
            ));
        }
        Ok(Self { media_type, bytes })
    }

    pub fn media_type(&self) -> MediaType {
        self.media_type
    }

    /// SHA-256 of the bytes, hex: the photo's `ETag`, and what a retry is
    /// recognised by.
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// A photo as a return or a parcel shows it (the bytes are at `href`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Photo {
    pub id: ReturnPhotoId,
    /// The unit it shows (line and unit number); none: the parcel.
    pub line_no: Option<i32>,
    pub unit_no: Option<i32>,
    pub media_type: MediaType,
    pub byte_size: i32,
    /// SHA-256 of the bytes (hex): also the `ETag` they are served with.
    pub sha256: String,
    pub taken_by: String,
    pub taken_at: Timestamp,
    /// Where the API serves the bytes.
    pub href: String,
}

fn view(m: PhotoMeta, href_base: &str) -> Result<Photo, AppError> {
    let media_type = MediaType::parse(&m.media_type).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("photo {}: unknown stored media type {}", m.id, m.media_type))
    })?;
    Ok(Photo {
        href: format!("{href_base}/photos/{}", m.id),
        id: m.id,
        line_no: m.line_no,
        unit_no: m.unit_no,
        media_type,
        byte_size: m.byte_size,
        sha256: m.sha256,
        taken_by: m.taken_by,
        taken_at: m.taken_at,
    })
}

/// A return's photos; for a supplier, those of the units on `lines` only.
pub(crate) fn of_return(
    conn: &mut DbConn,
    id: ReturnId,
    return_no: &str,
    supplier_lines: Option<&[i32]>,
) -> Result<Vec<Photo>, AppError> {
    let base = format!("/api/v1/returns/{return_no}");
    store::photos_of_return(conn, id)?
        .into_iter()
        .filter(|m| supplier_lines.is_none_or(|lines| m.line_no.is_some_and(|l| lines.contains(&l))))
        .map(|m| view(m, &base))
        .collect()
}

pub(crate) fn of_unidentified(conn: &mut DbConn, id: UnidentifiedReturnId) -> Result<Vec<Photo>, AppError> {
    let base = format!("/api/v1/returns/unidentified/{id}");
    store::photos_of_unidentified(conn, id)?.into_iter().map(|m| view(m, &base)).collect()
}

/// What a photo is of.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A return, by its number: the parcel, or one unit of it.
    Return { return_no: String, unit: Option<(i32, i32)> },
    /// A parcel in the unidentified queue.
    Unidentified(UnidentifiedReturnId),
}

/// Keeps a photo taken at the desk. A return's photos are taken once its
/// parcel is at the desk; a unit's, of a unit that came back; an
/// unidentified parcel's, while it waits to be matched. The same bytes of
/// the same subject again (a retried upload) answer the photo kept the
/// first time, with `false`.
pub fn add(
    tx: &mut DbConn,
    subject: &Subject,
    image: &Image,
    actor: &str,
    now: Timestamp,
) -> Result<(Photo, bool), AppError> {
    let (return_id, unidentified_id, unit, existing, base) = match subject {
        Subject::Return { return_no, unit } => {
            let r = store::by_no(tx, &return_no.trim().to_ascii_uppercase())?
                .ok_or(AppError::not_found("return"))?;
            if r.arrived_at.is_none() {
                return Err(AppError::conflict(
                    "return_not_at_desk",
                    format!("Photos are taken of a parcel at the desk: {} has not arrived", r.return_no),
                ));
            }
            if let Some((line_no, unit_no)) = unit
                && !store::units(tx, r.id)?.iter().any(|u| u.line_no == *line_no && u.unit_no == *unit_no)
            {
                return Err(AppError::invalid(
                    "unit",
                    "unknown_unit",
                    format!("no unit {unit_no} of line {line_no} came back in {}", r.return_no),
                ));
            }
            let existing = store::photos_of_return(tx, r.id)?;
            (Some(r.id), None, *unit, existing, format!("/api/v1/returns/{}", r.return_no))
        }
        Subject::Unidentified(id) => {
            let u = store::unidentified(tx, *id)?.ok_or(AppError::not_found("unidentified parcel"))?;
            if u.status != "open" {
                return Err(AppError::conflict(
                    "already_resolved",
                    format!("This parcel was matched to its return already: {}; add photos there", u.code),
                ));
            }
            let existing = store::photos_of_unidentified(tx, *id)?;
            (None, Some(*id), None, existing, format!("/api/v1/returns/unidentified/{id}"))
        }
    };
    let sha256 = hex::encode(Sha256::digest(&image.bytes));
    let unit_of = |m: &PhotoMeta| m.line_no.zip(m.unit_no);
    if let Some(same) = existing.iter().find(|m| m.sha256 == sha256 && unit_of(m) == unit) {
        return Ok((view(same.clone(), &base)?, false));
    }
    if existing.len() >= MAX_PER_PARCEL {
        return Err(AppError::conflict(
            "too_many_photos",
            format!("A parcel keeps at most {MAX_PER_PARCEL} photos; it has {}", existing.len()),
        ));
    }
    let size = i32::try_from(image.bytes.len()).expect("at most MAX_BYTES");
    let row = NewPhotoRow {
        id: ReturnPhotoId::generate(),
        return_id,
        unidentified_id,
        line_no: unit.map(|u| u.0),
        unit_no: unit.map(|u| u.1),
        media_type: image.media_type.as_str(),
        byte_size: size,
        sha256: &sha256,
        content: &image.bytes,
        taken_by: actor,
        taken_at: now,
    };
    store::insert_photo(tx, &row)?;
    let photo = view(
        PhotoMeta {
            id: row.id,
            return_id,
            unidentified_id,
            line_no: row.line_no,
            unit_no: row.unit_no,
            media_type: row.media_type.into(),
            byte_size: size,
            sha256: sha256.clone(),
            taken_by: actor.into(),
            taken_at: now,
        },
        &base,
    )?;
    Ok((photo, true))
}

/// A photo's bytes, for whoever may see it.
#[derive(Debug, Clone)]
pub struct Content {
    pub media_type: MediaType,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A photo of return `return_no`; a supplier reads only those of its own
/// units. Anything it may not see is "not found", as if it were not there.
pub fn read_of_return(
    conn: &mut DbConn,
    return_no: &str,
    id: ReturnPhotoId,
    supplier: Option<SupplierId>,
) -> Result<Content, AppError> {
    let missing = || AppError::not_found("photo");
    let r = store::by_no(conn, &return_no.trim().to_ascii_uppercase())?.ok_or_else(missing)?;
    let (meta, bytes) = store::photo(conn, id)?.ok_or_else(missing)?;
    if meta.return_id != Some(r.id) {
        return Err(missing());
    }
    if let Some(s) = supplier {
        let line = meta.line_no.ok_or_else(missing)?;
        if !store::lines(conn, r.id)?.iter().any(|l| l.line_no == line && l.owner_id == s) {
            return Err(missing());
        }
    }
    content(meta, bytes)
}

/// A photo of an unidentified parcel (staff and the platform only).
pub fn read_of_unidentified(
    conn: &mut DbConn,
    parcel: UnidentifiedReturnId,
    id: ReturnPhotoId,
) -> Result<Content, AppError> {
    let (meta, bytes) = store::photo(conn, id)?.ok_or(AppError::not_found("photo"))?;
    if meta.unidentified_id != Some(parcel) {
        return Err(AppError::not_found("photo"));
    }
    content(meta, bytes)
}

fn content(meta: PhotoMeta, bytes: Vec<u8>) -> Result<Content, AppError> {
    let media_type = MediaType::parse(&meta.media_type).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "photo {}: unknown stored media type {}",
            meta.id,
            meta.media_type
        ))
    })?;
    Ok(Content { media_type, sha256: meta.sha256, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest files of each kind that their signatures allow.
    fn jpeg() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0");
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend_from_slice(&[0, 0, 0, 13]);
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&[0; 17]);
        b
    }

    fn webp() -> Vec<u8> {
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&[8, 0, 0, 0]);
        b.extend_from_slice(b"WEBPVP8 ");
        b
    }

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(MediaType::sniff(&jpeg()), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(&png()), Some(MediaType::Png));
        assert_eq!(MediaType::sniff(&webp()), Some(MediaType::Webp));
        assert_eq!(MediaType::sniff(b"GIF89a......................"), None);
        assert_eq!(MediaType::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n"), None, "a signature alone is not a PNG");
        assert_eq!(MediaType::sniff(b"RIFF\x08\0\0\0WAVEfmt "), None, "a RIFF that is not WebP");
    }

    #[test]
    fn an_image_is_what_its_bytes_say_and_what_it_was_sent_as() {
        assert_eq!(Image::new(jpeg(), Some("image/jpeg")).unwrap().media_type(), MediaType::Jpeg);
        assert_eq!(Image::new(png(), None).unwrap().media_type(), MediaType::Png);
        assert_eq!(
            Image::new(webp(), Some("application/octet-stream")).unwrap().media_type(),
            MediaType::Webp
        );
        let code = |r: Result<Image, AppError>| match r.unwrap_err() {
            AppError::Validation { errors, .. } => errors[0].code.clone(),
            other => other.code().to_owned(),
        };
        assert_eq!(code(Image::new(png(), Some("image/jpeg"))), "photo_type_mismatch");
        assert_eq!(code(Image::new(b"%PDF-1.7 not a photo".to_vec(), Some("image/jpeg"))), "not_an_image");
        assert_eq!(code(Image::new(Vec::new(), Some("image/png"))), "empty_photo");
        let mut big = jpeg();
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(code(Image::new(big, Some("image/jpeg"))), "payload_too_large");
    }
}
