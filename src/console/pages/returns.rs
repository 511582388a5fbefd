//! The returns desk at the console (the returns role): scan a return
//! parcel's label and weigh it (a box lighter than what was shipped is
//! loud), grade each unit, and send each where it goes; parcels with
//! nothing to identify them wait in a list of their own. Grading and
//! dispositions are decisions: a scanner's Enter never submits them.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::console::error::ConsoleError;
use crate::console::flash::Flash;
use crate::console::i18n::{fill, t};
use crate::console::layout::{self, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, MultipartPost, Post, Upload};
use crate::http::AppState;
use crate::ids::{ReturnPhotoId, UnidentifiedReturnId};
use crate::returns::desk::{
    self, Arrival, ArrivalInput, DispositionsInput, GradesInput, ResolveInput, Unidentified, UnitDisposition,
    UnitGrade,
};
use crate::returns::domain::{Disposition, Grade, ReturnStatus, WeightFlag};
use crate::returns::photos::{self, Image, Photo, Subject};
use crate::returns::service::{self, Return};

#[derive(Template)]
#[template(path = "console/returns.html")]
struct DeskPage {
    ui: Ui,
    waiting: Vec<Return>,
    unidentified: Vec<Unidentified>,
}

pub async fn desk(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Returns)?;
    let ui = Ui::for_user(&user, Area::Returns, "returns.title");
    let (waiting, unidentified) = crate::db::run(&state.pool, |c| {
        let mut w = service::list(c, None, Some(ReturnStatus::Arrived))?;
        w.extend(service::list(c, None, Some(ReturnStatus::Graded))?);
        Ok((w, desk::unidentified(c)?))
    })
    .await?;
    layout::page(StatusCode::OK, &DeskPage { ui, waiting, unidentified })
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct ArriveForm {
    code: String,
    weight_g: String,
    note: String,
}

/// A parcel scanned and weighed: to its return, or into the unidentified
/// list.
pub async fn arrive(
    state: web::Data<AppState>,
    post: Post<ArriveForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Returns)?;
    let lang = user.lang;
    let code = form.code.trim().to_owned();
    let Ok(weight_g) = form.weight_g.trim().parse::<i64>() else {
        let flash = Flash::error(t(lang, "returns.weight_needed"))
            .scanned(&code)
            .expected(t(lang, "returns.expect_weight"));
        return Ok(layout::back(&user, "/console/returns", flash));
    };
    let input = ArrivalInput { code: code.clone(), weight_g, note: form.note };
    let (actor, now) = (user.actor(), state.clock.now());
    match crate::db::transact(&state.pool, move |tx| desk::arrive(tx, &input, &actor, now)).await {
        Ok(Arrival::Identified { r#return: r }) => {
            let to = format!("/console/returns/{}", urlencode(&r.return_no));
            let flag = r.arrival.as_ref().and_then(|a| a.weight_flag);
            let flash = match flag {
                Some(f) => Flash::warn(fill(
                    lang,
                    &format!("returns.weight_{}", f.as_str()),
                    &[("no", r.return_no.clone())],
                )),
                None => Flash::ok(fill(lang, "returns.arrived", &[("no", r.return_no.clone())])),
            };
            Ok(layout::back(&user, &to, flash))
        }
        Ok(Arrival::Unidentified { unidentified }) => {
            // To the parcel's page: photograph it while it is on the desk.
            let to = format!("/console/returns/unidentified/{}", unidentified.id);
            let flash =
                Flash::warn(fill(lang, "returns.unidentified_queued", &[("code", unidentified.code)]));
            Ok(layout::back(&user, &to, flash))
        }
        Err(e) => {
            let flash = layout::refusal(&user, e)?.scanned(&code).expected(t(lang, "returns.expect_label"));
            Ok(layout::back(&user, "/console/returns", flash))
        }
    }
}

/// A unit as the page shows it, with the choices its forms offer.
struct UnitRow {
    key: String,
    line_no: i32,
    unit_no: i32,
    grade: Option<Grade>,
    disposition: Option<Disposition>,
    default_disposition: Option<Disposition>,
}

/// A photo as a page shows it: the console's own address for its bytes.
struct PhotoTile {
    url: String,
    /// `1-2` for line 1 unit 2; empty: the parcel.
    unit: String,
    taken_at: crate::db::types::Timestamp,
}

fn tiles(base: &str, photos: &[Photo]) -> Vec<PhotoTile> {
    photos
        .iter()
        .map(|p| PhotoTile {
            url: format!("{base}/photos/{}", p.id),
            unit: p.line_no.zip(p.unit_no).map(|(l, u)| format!("{l}-{u}")).unwrap_or_default(),
            taken_at: p.taken_at,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/return.html")]
struct DetailPage {
    ui: Ui,
    r: Return,
    photos: Vec<PhotoTile>,
    units: Vec<UnitRow>,
    grades: Vec<&'static str>,
    dispositions: Vec<&'static str>,
    flag: Option<WeightFlag>,
    gradable: bool,
    disposable: bool,
}

pub async fn detail(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Returns)?;
    let ui = Ui::for_user(&user, Area::Returns, "returns.title");
    let no = path.into_inner();
    let r = crate::db::run(&state.pool, move |c| service::get(c, &no, None)).await?;
    let units = r
        .units
        .iter()
        .map(|u| UnitRow {
            key: format!("{}_{}", u.line_no, u.unit_no),
            line_no: u.line_no,
            unit_no: u.unit_no,
            grade: u.grade,
            disposition: u.disposition,
            default_disposition: u.grade.map(Grade::default_disposition),
        })
        .collect();
    let flag = r.arrival.as_ref().and_then(|a| a.weight_flag);
    let gradable = matches!(r.status, ReturnStatus::Arrived | ReturnStatus::Graded);
    let disposable = r.status == ReturnStatus::Graded;
    let grades = Grade::ALL.iter().map(|g| g.as_str()).collect();
    let dispositions = Disposition::ALL.iter().map(|d| d.as_str()).collect();
    let photos = tiles(&format!("/console/returns/{}", urlencode(&r.return_no)), &r.photos);
    layout::page(
        StatusCode::OK,
        &DetailPage { ui, r, photos, units, grades, dispositions, flag, gradable, disposable },
    )
}

/// Reads `<field>_<line>_<unit>` values of a decision form.
fn per_unit(form: &HashMap<String, String>, field: &str) -> Vec<((i32, i32), String)> {
    let prefix = format!("{field}_");
    let mut out: Vec<_> = form
        .iter()
        .filter_map(|(k, v)| {
            let (line, unit) = k.strip_prefix(&prefix)?.split_once('_')?;
            Some(((line.parse().ok()?, unit.parse().ok()?), v.trim().to_owned()))
        })
        .collect();
    out.sort();
    out
}

/// A decision form's return, its page (where the answer goes back to) and
/// the notes per unit.
fn decision(
    path: web::Path<String>,
    form: &HashMap<String, String>,
) -> (String, String, HashMap<(i32, i32), String>) {
    let no = path.into_inner();
    let to = format!("/console/returns/{}", urlencode(&no));
    (no, to, per_unit(form, "note").into_iter().collect())
}

/// The grades chosen on the page (units left on "—" are not graded now).
pub async fn grade(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<HashMap<String, String>>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Returns)?;
    let (no, to, notes) = decision(path, &form);
    let units: Vec<UnitGrade> = per_unit(&form, "grade")
        .into_iter()
        .filter_map(|((line_no, unit_no), g)| {
            let grade = Grade::from_db(&g)?;
            Some(UnitGrade {
                line_no,
                unit_no,
                grade,
                note: notes.get(&(line_no, unit_no)).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let (lang, actor, now) = (user.lang, user.actor(), state.clock.now());
    let input = GradesInput { units };
    let result = crate::db::transact(&state.pool, move |tx| desk::grade(tx, &no, &input, &actor, now))
        .await
        .map(|r| Flash::ok(fill(lang, "returns.graded", &[("no", r.return_no)])));
    layout::outcome(&user, &to, result)
}

/// The dispositions chosen on the page, each unit through the ledger.
pub async fn dispose(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<HashMap<String, String>>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Returns)?;
    let (no, to, notes) = decision(path, &form);
    let bins: HashMap<(i32, i32), String> = per_unit(&form, "bin").into_iter().collect();
    let units: Vec<UnitDisposition> = per_unit(&form, "to")
        .into_iter()
        .filter_map(|((line_no, unit_no), d)| {
            let to = Disposition::from_db(&d)?;
            Some(UnitDisposition {
                line_no,
                unit_no,
                to: Some(to),
                bin: bins.get(&(line_no, unit_no)).filter(|b| !b.is_empty()).cloned(),
                note: notes.get(&(line_no, unit_no)).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let supervisor = user.role.covers(crate::auth::Role::Supervisor);
    let (lang, actor, now) = (user.lang, user.actor(), state.clock.now());
    let input = DispositionsInput { units };
    let result =
        crate::db::transact(&state.pool, move |tx| desk::dispose(tx, &no, &input, supervisor, &actor, now))
            .await
            .map(|r| {
                Flash::ok(fill(
                    lang,
                    "returns.dispositioned",
                    &[("no", r.return_no.clone()), ("status", r.status.as_str().into())],
                ))
            });
    layout::outcome(&user, &to, result)
}

/// A photo form of the desk: the file, and for a return which unit it shows.
type PhotoForm = MultipartPost<{ photos::MAX_BYTES }>;

/// Keeps a photo sent from a page; back to `to` with what happened.
async fn keep_photo(
    state: &AppState,
    form: PhotoForm,
    to: &str,
    subject: impl FnOnce(&std::collections::HashMap<String, String>) -> Subject,
) -> Result<HttpResponse, ConsoleError> {
    let MultipartPost { user, fields, upload } = form;
    user.require(Area::Returns)?;
    let lang = user.lang;
    let file = match upload {
        Upload::File(f) => f,
        Upload::Missing => {
            return Ok(layout::back(&user, to, Flash::error(t(lang, "returns.photo_missing"))));
        }
        Upload::TooLarge => {
            return Ok(layout::back(&user, to, Flash::error(t(lang, "returns.photo_too_large"))));
        }
    };
    let subject = subject(&fields);
    let (actor, now) = (user.actor(), state.clock.now());
    let result = match Image::new(file.bytes, file.declared.as_deref()) {
        Ok(image) => {
            crate::db::transact(&state.pool, move |tx| {
                photos::add(tx, &subject, &image, &actor, now)?;
                Ok(match &subject {
                    Subject::Return { return_no, .. } => service::get(tx, return_no, None)?.photos.len(),
                    Subject::Unidentified(id) => desk::unidentified_one(tx, *id)?.photos.len(),
                })
            })
            .await
        }
        Err(e) => Err(e),
    }
    .map(|n| Flash::ok(fill(lang, "returns.photo_saved", &[("n", n.to_string())])));
    layout::outcome(&user, to, result)
}

/// A photo of a return's parcel, or (field `unit`, `<line>_<unit>`) of
/// one of its units.
pub async fn add_photo(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: PhotoForm,
) -> Result<HttpResponse, ConsoleError> {
    let no = path.into_inner();
    let to = format!("/console/returns/{}", urlencode(&no));
    keep_photo(&state, form, &to, move |fields| {
        let unit = fields.get("unit").and_then(|u| {
            let (l, n) = u.trim().split_once('_')?;
            Some((l.parse().ok()?, n.parse().ok()?))
        });
        Subject::Return { return_no: no, unit }
    })
    .await
}

/// A photo's bytes, for a page of the desk.
pub async fn photo(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    user: ConsoleUser,
    path: web::Path<(String, ReturnPhotoId)>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Returns)?;
    let (no, id) = path.into_inner();
    let c = crate::db::run(&state.pool, move |c| photos::read_of_return(c, &no, id, None)).await?;
    Ok(crate::returns::api::photo_response(&req, c, id))
}

#[derive(Template)]
#[template(path = "console/unidentified.html")]
struct UnidentifiedPage {
    ui: Ui,
    u: Unidentified,
    photos: Vec<PhotoTile>,
    open: bool,
}

/// One unidentified parcel: its photos, more photos, and matching it to
/// its return.
pub async fn unidentified(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<UnidentifiedReturnId>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Returns)?;
    let ui = Ui::for_user(&user, Area::Returns, "returns.unidentified_one");
    let id = path.into_inner();
    let u = crate::db::run(&state.pool, move |c| desk::unidentified_one(c, id)).await?;
    let photos = tiles(&format!("/console/returns/unidentified/{}", u.id), &u.photos);
    let open = u.status == "open";
    layout::page(StatusCode::OK, &UnidentifiedPage { ui, u, photos, open })
}

pub async fn add_unidentified_photo(
    state: web::Data<AppState>,
    path: web::Path<UnidentifiedReturnId>,
    form: PhotoForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = path.into_inner();
    let to = format!("/console/returns/unidentified/{id}");
    keep_photo(&state, form, &to, move |_| Subject::Unidentified(id)).await
}

pub async fn unidentified_photo(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    user: ConsoleUser,
    path: web::Path<(UnidentifiedReturnId, ReturnPhotoId)>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Returns)?;
    let (parcel, id) = path.into_inner();
    let c = crate::db::run(&state.pool, move |c| photos::read_of_unidentified(c, parcel, id)).await?;
    Ok(crate::returns::api::photo_response(&req, c, id))
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    return_no: String,
}

/// An unidentified parcel matched to its return (a decision: its button,
/// never a scanner's Enter): the return arrives, with the parcel's weight
/// and photos.
pub async fn resolve(
    state: web::Data<AppState>,
    path: web::Path<UnidentifiedReturnId>,
    post: Post<ResolveForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Returns)?;
    let id = path.into_inner();
    let lang = user.lang;
    let here = format!("/console/returns/unidentified/{id}");
    let scanned = form.return_no.trim().to_owned();
    let input = ResolveInput { return_no: scanned.clone() };
    let (actor, now) = (user.actor(), state.clock.now());
    match crate::db::transact(&state.pool, move |tx| desk::resolve(tx, id, &input, &actor, now)).await {
        Ok(r) => {
            let to = format!("/console/returns/{}", urlencode(&r.return_no));
            Ok(layout::back(&user, &to, Flash::ok(fill(lang, "returns.arrived", &[("no", r.return_no)]))))
        }
        Err(e) => {
            let flash =
                layout::refusal(&user, e)?.scanned(&scanned).expected(t(lang, "returns.expect_return_no"));
            Ok(layout::back(&user, &here, flash))
        }
    }
}
