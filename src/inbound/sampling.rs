//! Acceptance sampling by attributes after ISO 2859-1 (the same tables are GB/T 2828.1, ANSI/ASQ Z1.4
//! and MIL-STD-105E): single sampling plans for normal inspection, as data plus lookup code.
//!
//! Given a lot size, an inspection level and an acceptable quality limit (AQL), [`plan`] tells how many
//! units to draw from the lot (n), the acceptance number Ac and the rejection number Re;
//! [`SamplingPlan::verdict`] turns the number of nonconforming units found in the sample into accept or
//! reject.
//!
//! # Tables
//!
//! * Table 1, sample size code letters: the lot size range and the inspection level (special S-1 to
//!   S-4, general I, II, III; II is the default) give a code letter A to R (I and O are not used).
//! * Table 2-A, single sampling plans for normal inspection (master table): the code letter gives the
//!   sample size; the cell in the code letter's row and the AQL's column holds either a plan (Ac, Re)
//!   or an arrow. In this table Re is always Ac + 1, so the data below stores Ac only.
//!
//! Tightened and reduced inspection (Tables 2-B, 2-C), double and multiple sampling and the switching
//! rules are not implemented.
//!
//! # Arrows
//!
//! ↓ means "use the first sampling plan below the arrow", ↑ "use the first sampling plan above the
//! arrow", in the same AQL column. The row the arrow leads to brings its own sample size: following an
//! arrow changes the code letter and therefore n. [`SamplingPlan::code_letter`] is the letter of the
//! plan actually used; [`code_letter`] gives the Table 1 letter before any arrow is followed. Arrows
//! are resolved once, at compile time, into a table of final plans: a malformed cell, or an arrow with
//! no plan in its direction, fails the build.
//!
//! Three cells of the master table have no plan in the direction a strictly diagonal reading would
//! give them; each is read as pointing to the only plan its column offers:
//! code letter A at AQL 10 is ↓ (to C: n = 5, Ac 1, Re 2), as in the published transcriptions used
//! for checking (one plain-text table derived from MIL-STD-105E shows ↑ there, which leads nowhere);
//! R at 0.010 and R at 0.015 are ↑ (to Q: n = 1250, 0/1, and to P: n = 800, 0/1); R has no plan of
//! its own in those columns.
//!
//! # 100 % inspection
//!
//! When the sample size reached (after arrows) equals or exceeds the lot size, the whole lot is
//! inspected: `sample_size` is the lot size, `full_inspection` is true, and Ac/Re are those of the
//! plan reached.
//!
//! # AQL 0
//!
//! The standard has no AQL of 0. [`Aql::ZERO`] (parsed from "0") is accepted and means zero
//! acceptance: the sample size is that of the Table 1 code letter (no arrow is followed), Ac = 0 and
//! Re = 1, so a single nonconforming unit rejects the lot. The 100 % rule above still applies.
//!
//! # Lot sizes
//!
//! Table 1 starts at lots of 2; a lot of 1 is given code letter A (and is therefore inspected 100 %).
//! A lot of 0 is an error. AQLs above 10 are meant for nonconformities per 100 units, so their Ac may
//! exceed the sample size.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Code letters, the rows of Table 2-A.
const ROWS: usize = 16;
/// AQL columns of Table 2-A.
const COLS: usize = 26;
/// Inspection levels, the columns of Table 1.
const LEVELS: usize = 7;
/// Lot size ranges, the rows of Table 1.
const RANGES: usize = 15;

const CODE_LETTERS: [u8; ROWS] = *b"ABCDEFGHJKLMNPQR";
const SAMPLE_SIZES: [u32; ROWS] = [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000];

/// The preferred AQLs in thousandths of a percent (0.010 % is 10), in the column order of Table 2-A.
const AQL_THOUSANDTHS: [u32; COLS] = [
    10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1_000, 1_500, 2_500, 4_000, 6_500, 10_000, 15_000, 25_000,
    40_000, 65_000, 100_000, 150_000, 250_000, 400_000, 650_000, 1_000_000,
];
/// The AQLs as the standard prints them.
const AQL_LABELS: [&str; COLS] = [
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0", "1.5", "2.5",
    "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650", "1000",
];
/// Every acceptance number Table 2-A uses.
const ACCEPTANCE_NUMBERS: [u32; 11] = [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44];

/// Table 1: the last lot size of each range, then the code letters for S-1, S-2, S-3, S-4 and, after
/// a space, for I, II, III.
#[rustfmt::skip]
const TABLE_1: [(u32, &str); RANGES] = [
    //  last lot   S1..S4 I II III
    (         8, "AAAA AAB"),
    (        15, "AAAA ABC"),
    (        25, "AABB BCD"),
    (        50, "ABBC CDE"),
    (        90, "BBCC CEF"),
    (       150, "BBCD DFG"),
    (       280, "BCDE EGH"),
    (       500, "BCDE FHJ"),
    (     1_200, "CCEF GJK"),
    (     3_200, "CDEG HKL"),
    (    10_000, "CDFG JLM"),
    (    35_000, "CDFH KMN"),
    (   150_000, "DEGJ LNP"),
    (   500_000, "DEGJ MPQ"),
    (  u32::MAX, "DEHK NQR"), // 500 001 and over
];

/// Table 2-A, single sampling plans for normal inspection. Each row: code letter, sample size, `|`,
/// then one cell per AQL column: a number is Ac (Re = Ac + 1), ↓ and ↑ are the standard's arrows.
#[rustfmt::skip]
const TABLE_2A: [&str; ROWS] = [
    //                                          Ac per AQL column
    //     0.010    0.040     0.15     0.65      2.5       10       40      150      650
    //        0.015    0.065     0.25      1.0      4.0       15       65      250     1000
    //           0.025     0.10     0.40      1.5      6.5       25      100      400
    //       |  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .
    "A    2 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  7 10 14 21 30",
    "B    3 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44",
    "C    5 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44  ↑",
    "D    8 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44  ↑  ↑",
    "E   13 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44  ↑  ↑  ↑",
    "F   20 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑",
    "G   32 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "H   50 |  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "J   80 |  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "K  125 |  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "L  200 |  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "M  315 |  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "N  500 |  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "P  800 |  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "Q 1250 |  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    "R 2000 |  ↑  ↑  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
];

/// Table 1 with letters turned into row numbers of Table 2-A, checked at compile time.
const LETTER_ROWS: [[u8; LEVELS]; RANGES] = build_table_1();
/// Table 2-A parsed at compile time.
const CELLS: [[Cell; COLS]; ROWS] = parse_table_2a();
/// Table 2-A with every arrow followed to its plan, at compile time.
const PLANS: [[Resolved; COLS]; ROWS] = resolve_table_2a(&CELLS);

/// A cell of Table 2-A.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// ↓: use the first plan below.
    Down,
    /// ↑: use the first plan above.
    Up,
    /// A plan, by its acceptance number (Re = Ac + 1).
    Plan(u8),
}

/// Where a cell of Table 2-A leads: the row whose sample size applies, and the plan's Ac.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resolved {
    row: u8,
    accept: u8,
}

const ARROW_DOWN: &[u8] = "↓".as_bytes();
const ARROW_UP: &[u8] = "↑".as_bytes();

const fn row_of_letter(letter: u8) -> u8 {
    let mut row = 0;
    while row < ROWS {
        if CODE_LETTERS[row] == letter {
            return row as u8;
        }
        row += 1;
    }
    panic!("Table 1 names a letter that is not a code letter");
}

const fn build_table_1() -> [[u8; LEVELS]; RANGES] {
    let mut out = [[0u8; LEVELS]; RANGES];
    let mut range = 0;
    while range < RANGES {
        let letters = TABLE_1[range].1.as_bytes();
        assert!(range == 0 || TABLE_1[range].0 > TABLE_1[range - 1].0, "Table 1: lot ranges must ascend");
        let (mut at, mut level) = (0, 0);
        while at < letters.len() {
            if letters[at] != b' ' {
                assert!(level < LEVELS, "Table 1: too many code letters in a row");
                let row = row_of_letter(letters[at]);
                assert!(
                    range == 0 || row >= out[range - 1][level],
                    "Table 1: a larger lot never has a smaller letter"
                );
                out[range][level] = row;
                level += 1;
            }
            at += 1;
        }
        assert!(level == LEVELS, "Table 1: one code letter per inspection level");
        range += 1;
    }
    assert!(TABLE_1[RANGES - 1].0 == u32::MAX, "Table 1: the last range is open-ended");
    out
}

const fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at] == b' ' {
        at += 1;
    }
    at
}

const fn starts_with_at(bytes: &[u8], at: usize, needle: &[u8]) -> bool {
    if at + needle.len() > bytes.len() {
        return false;
    }
    let mut i = 0;
    while i < needle.len() {
        if bytes[at + i] != needle[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Reads a decimal number at `at`; returns it and the index after it.
const fn parse_number(bytes: &[u8], mut at: usize) -> (u32, usize) {
    assert!(at < bytes.len() && bytes[at].is_ascii_digit(), "Table 2-A: a number is expected");
    let mut value = 0u32;
    while at < bytes.len() && bytes[at].is_ascii_digit() {
        value = value * 10 + (bytes[at] - b'0') as u32;
        at += 1;
    }
    (value, at)
}

const fn is_acceptance_number(value: u32) -> bool {
    let mut i = 0;
    while i < ACCEPTANCE_NUMBERS.len() {
        if ACCEPTANCE_NUMBERS[i] == value {
            return true;
        }
        i += 1;
    }
    false
}

const fn parse_row(row: usize) -> [Cell; COLS] {
    let bytes = TABLE_2A[row].as_bytes();
    let mut at = skip_spaces(bytes, 0);
    assert!(at < bytes.len() && bytes[at] == CODE_LETTERS[row], "Table 2-A: rows must follow code letters");
    let (sample_size, next) = parse_number(bytes, skip_spaces(bytes, at + 1));
    assert!(sample_size == SAMPLE_SIZES[row], "Table 2-A: sample size does not match the code letter");
    at = skip_spaces(bytes, next);
    assert!(at < bytes.len() && bytes[at] == b'|', "Table 2-A: `|` expected after the sample size");
    at += 1;
    let mut cells = [Cell::Down; COLS];
    let mut col = 0;
    loop {
        at = skip_spaces(bytes, at);
        if at == bytes.len() {
            break;
        }
        assert!(col < COLS, "Table 2-A: too many cells in a row");
        if starts_with_at(bytes, at, ARROW_DOWN) {
            cells[col] = Cell::Down;
            at += ARROW_DOWN.len();
        } else if starts_with_at(bytes, at, ARROW_UP) {
            cells[col] = Cell::Up;
            at += ARROW_UP.len();
        } else {
            let (accept, next) = parse_number(bytes, at);
            assert!(is_acceptance_number(accept), "Table 2-A: not an acceptance number of the standard");
            cells[col] = Cell::Plan(accept as u8);
            at = next;
        }
        assert!(at == bytes.len() || bytes[at] == b' ', "Table 2-A: cells must be separated by spaces");
        col += 1;
    }
    assert!(col == COLS, "Table 2-A: too few cells in a row");
    cells
}

const fn parse_table_2a() -> [[Cell; COLS]; ROWS] {
    let mut out = [[Cell::Down; COLS]; ROWS];
    let mut row = 0;
    while row < ROWS {
        out[row] = parse_row(row);
        row += 1;
    }
    out
}

/// The first plan strictly below (`down`) or above `row` in column `col`, skipping arrows.
const fn first_plan(cells: &[[Cell; COLS]; ROWS], row: usize, col: usize, down: bool) -> Resolved {
    let mut r = row;
    loop {
        if down {
            assert!(r + 1 < ROWS, "Table 2-A: ↓ with no plan below it");
            r += 1;
        } else {
            assert!(r > 0, "Table 2-A: ↑ with no plan above it");
            r -= 1;
        }
        if let Cell::Plan(accept) = cells[r][col] {
            return Resolved { row: r as u8, accept };
        }
    }
}

const fn resolve_table_2a(cells: &[[Cell; COLS]; ROWS]) -> [[Resolved; COLS]; ROWS] {
    let mut out = [[Resolved { row: 0, accept: 0 }; COLS]; ROWS];
    let mut row = 0;
    while row < ROWS {
        let mut col = 0;
        while col < COLS {
            out[row][col] = match cells[row][col] {
                Cell::Plan(accept) => Resolved { row: row as u8, accept },
                Cell::Down => first_plan(cells, row, col, true),
                Cell::Up => first_plan(cells, row, col, false),
            };
            col += 1;
        }
        row += 1;
    }
    out
}

/// Why a plan or a value could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamplingError {
    /// The lot is empty: there is nothing to sample.
    ZeroLotSize,
    /// Not one of the standard's preferred AQLs (0.010 to 1000), nor 0.
    UnknownAql(String),
    /// Not one of S-1, S-2, S-3, S-4, I, II, III.
    UnknownInspectionLevel(String),
}

impl fmt::Display for SamplingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroLotSize => f.write_str("the lot size must be at least 1"),
            Self::UnknownAql(s) => write!(
                f,
                "`{s}` is not a preferred AQL of ISO 2859-1 (0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, \
                 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10, 15, 25, 40, 65, 100, 150, 250, 400, 650, \
                 1000) nor 0"
            ),
            Self::UnknownInspectionLevel(s) => {
                write!(f, "`{s}` is not an inspection level (S-1, S-2, S-3, S-4, I, II, III)")
            }
        }
    }
}

impl std::error::Error for SamplingError {}

/// Inspection level of Table 1: special levels S-1 to S-4 (small samples, large risks) and general
/// levels I, II, III. Level II is the usual one and the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum InspectionLevel {
    S1,
    S2,
    S3,
    S4,
    I,
    #[default]
    II,
    III,
}

impl InspectionLevel {
    /// All levels, in the column order of Table 1.
    pub const ALL: [InspectionLevel; 7] =
        [Self::S1, Self::S2, Self::S3, Self::S4, Self::I, Self::II, Self::III];

    /// The standard's notation: "S-1" to "S-4", "I", "II", "III".
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::S1 => "S-1",
            Self::S2 => "S-2",
            Self::S3 => "S-3",
            Self::S4 => "S-4",
            Self::I => "I",
            Self::II => "II",
            Self::III => "III",
        }
    }

    /// Column of Table 1 (the variants are declared in that order).
    const fn column(self) -> usize {
        self as usize
    }
}

impl fmt::Display for InspectionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InspectionLevel {
    type Err = SamplingError;

    /// Accepts the standard's notation, case-insensitively and with or without the hyphen of the
    /// special levels ("S-1", "s1", "II", "iii").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "S-1" | "S1" => Ok(Self::S1),
            "S-2" | "S2" => Ok(Self::S2),
            "S-3" | "S3" => Ok(Self::S3),
            "S-4" | "S4" => Ok(Self::S4),
            "I" => Ok(Self::I),
            "II" => Ok(Self::II),
            "III" => Ok(Self::III),
            _ => Err(SamplingError::UnknownInspectionLevel(s.trim().to_owned())),
        }
    }
}

impl Serialize for InspectionLevel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InspectionLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_str(FromStrVisitor::<InspectionLevel>::new("an inspection level such as \"II\""))
    }
}

/// An acceptable quality limit: one of the standard's preferred values (the columns of Table 2-A,
/// 0.010 to 1000, in percent nonconforming or nonconformities per 100 units) or [`Aql::ZERO`].
///
/// Parsed from a decimal string ("2.5", "0.65", ".65", "0.1", "10", "2.5%"); trailing zeros do not
/// matter ("1" and "1.0" are the same AQL). Displayed and serialized in the standard's notation
/// ("0.010", "0.10", "1.0", "10"). Serde reads and writes it as a string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aql {
    /// Column of Table 2-A (always below `COLS`), or `None` for zero acceptance.
    column: Option<u8>,
}

impl Aql {
    /// AQL 0: zero acceptance, any nonconforming unit rejects (see the module documentation).
    pub const ZERO: Aql = Aql { column: None };

    /// The AQL given in thousandths of a percent: 2.5 % is 2500, 0.010 % is 10, 0 is [`Aql::ZERO`].
    /// (Hundredths cannot hold 0.015 or 0.065, hence thousandths.)
    pub fn from_thousandths(thousandths: u32) -> Result<Aql, SamplingError> {
        if thousandths == 0 {
            return Ok(Self::ZERO);
        }
        match AQL_THOUSANDTHS.iter().position(|&t| t == thousandths) {
            // `column` < COLS = 26, so it fits in a u8.
            Some(column) => Ok(Aql { column: Some(column as u8) }),
            None => Err(SamplingError::UnknownAql(format_thousandths(thousandths))),
        }
    }

    /// The AQL in thousandths of a percent (0 for [`Aql::ZERO`]).
    pub fn thousandths(self) -> u32 {
        self.column.map_or(0, |c| AQL_THOUSANDTHS[usize::from(c)])
    }

    /// Whether this is [`Aql::ZERO`].
    pub fn is_zero(self) -> bool {
        self.column.is_none()
    }

    /// The standard's notation: "0", "0.010", "0.65", "1.0", "10", "1000".
    pub fn as_str(self) -> &'static str {
        self.column.map_or("0", |c| AQL_LABELS[usize::from(c)])
    }

    /// The 26 preferred AQLs of Table 2-A, smallest first (without [`Aql::ZERO`]).
    pub fn preferred() -> impl Iterator<Item = Aql> {
        (0..COLS as u8).map(|c| Aql { column: Some(c) })
    }
}

impl fmt::Display for Aql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Aql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Aql({})", self.as_str())
    }
}

impl FromStr for Aql {
    type Err = SamplingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let number = trimmed.strip_suffix('%').map_or(trimmed, str::trim_end);
        let unknown = || SamplingError::UnknownAql(trimmed.to_owned());
        let thousandths = parse_thousandths(number).ok_or_else(unknown)?;
        Aql::from_thousandths(thousandths).map_err(|_| unknown())
    }
}

impl Serialize for Aql {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Aql {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<Aql>::new("an AQL string such as \"2.5\""))
    }
}

/// A non-negative decimal ("2.5", ".65", "10", "1.000") in thousandths; `None` if it is not one or
/// has non-zero digits past the third decimal.
fn parse_thousandths(s: &str) -> Option<u32> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: u32 = 0;
    for b in int.bytes() {
        value = value.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    value = value.checked_mul(1000)?;
    for (i, b) in frac.bytes().enumerate() {
        let digit = u32::from(b - b'0');
        match i {
            0 => value = value.checked_add(digit * 100)?,
            1 => value = value.checked_add(digit * 10)?,
            2 => value = value.checked_add(digit)?,
            _ if digit != 0 => return None,
            _ => {}
        }
    }
    Some(value)
}

fn format_thousandths(thousandths: u32) -> String {
    let (int, frac) = (thousandths / 1000, thousandths % 1000);
    if frac == 0 { int.to_string() } else { format!("{int}.{}", format!("{frac:03}").trim_end_matches('0')) }
}

/// Deserializes a string through `FromStr`.
struct FromStrVisitor<T> {
    expecting: &'static str,
    _marker: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    fn new(expecting: &'static str) -> Self {
        Self { expecting, _marker: std::marker::PhantomData }
    }
}

impl<T> Visitor<'_> for FromStrVisitor<T>
where
    T: FromStr<Err = SamplingError>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

/// A single sampling plan: draw `sample_size` units; accept the lot if at most `accept` are
/// nonconforming, reject it if `reject` or more are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SamplingPlan {
    /// Code letter of the plan used, after following the arrows of Table 2-A (for AQL 0, the Table 1
    /// letter). Its sample size is the one that applies.
    pub code_letter: char,
    /// Units to inspect: the code letter's sample size, or the whole lot under 100 % inspection.
    pub sample_size: u32,
    /// Acceptance number Ac.
    pub accept: u32,
    /// Rejection number Re (always Ac + 1 for single sampling).
    pub reject: u32,
    /// The plan's sample size reached or exceeded the lot size, so every unit is inspected.
    pub full_inspection: bool,
}

/// Outcome of a sampling inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Reject,
}

impl SamplingPlan {
    /// The lot is accepted when the number of nonconforming units (or nonconformities, for AQLs
    /// counted per 100 units) found in the sample is at most Ac, and rejected when it is Re or more;
    /// with Re = Ac + 1 there is nothing in between.
    pub fn verdict(&self, defective: u32) -> Verdict {
        if defective <= self.accept && defective < self.reject { Verdict::Accept } else { Verdict::Reject }
    }
}

/// The sample size code letter of Table 1 for this lot size and inspection level, before any arrow
/// of Table 2-A is followed.
pub fn code_letter(lot_size: u32, level: InspectionLevel) -> Result<char, SamplingError> {
    if lot_size == 0 {
        return Err(SamplingError::ZeroLotSize);
    }
    Ok(char::from(CODE_LETTERS[letter_row(lot_size, level)]))
}

/// Row of Table 2-A for the code letter of Table 1. `lot_size` is at least 1.
fn letter_row(lot_size: u32, level: InspectionLevel) -> usize {
    // The last range ends at u32::MAX (checked at compile time), so `position` always finds one; the
    // fallback names that same last range.
    let range = TABLE_1.iter().position(|&(last, _)| lot_size <= last).unwrap_or(RANGES - 1);
    usize::from(LETTER_ROWS[range][level.column()])
}

/// The single sampling plan for normal inspection (ISO 2859-1 Tables 1 and 2-A) for a lot of
/// `lot_size` units at inspection level `level` and acceptable quality limit `aql`.
///
/// Arrows are followed to the plan they point to, whose sample size applies; if that sample size is
/// the lot size or more, the plan is 100 % inspection with the same Ac and Re. For [`Aql::ZERO`] the
/// plan is the Table 1 code letter's sample size with Ac 0, Re 1. A lot size of 0 is an error.
pub fn plan(lot_size: u32, level: InspectionLevel, aql: Aql) -> Result<SamplingPlan, SamplingError> {
    if lot_size == 0 {
        return Err(SamplingError::ZeroLotSize);
    }
    let letter_row = letter_row(lot_size, level);
    let (row, accept) = match aql.column {
        None => (letter_row, 0),
        Some(column) => {
            let resolved = PLANS[letter_row][usize::from(column)];
            (usize::from(resolved.row), u32::from(resolved.accept))
        }
    };
    let table_sample_size = SAMPLE_SIZES[row];
    let full_inspection = table_sample_size >= lot_size;
    Ok(SamplingPlan {
        code_letter: char::from(CODE_LETTERS[row]),
        sample_size: if full_inspection { lot_size } else { table_sample_size },
        accept,
        reject: accept + 1,
        full_inspection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aql(s: &str) -> Aql {
        s.parse().expect("a preferred AQL")
    }

    fn plan_ii(lot_size: u32, aql_str: &str) -> SamplingPlan {
        plan(lot_size, InspectionLevel::II, aql(aql_str)).expect("a plan")
    }

    fn expect(code_letter: char, sample_size: u32, accept: u32, full_inspection: bool) -> SamplingPlan {
        SamplingPlan { code_letter, sample_size, accept, reject: accept + 1, full_inspection }
    }

    fn row_of(letter: char) -> usize {
        CODE_LETTERS.iter().position(|&l| char::from(l) == letter).expect("a code letter")
    }

    fn column_of(aql_str: &str) -> usize {
        usize::from(aql(aql_str).column.expect("not AQL 0"))
    }

    /// Points read off the published master table (no arrow involved): lot, AQL, level II.
    #[test]
    fn known_points_at_level_ii() {
        let cases = [
            (10_000, "2.5", expect('L', 200, 10, false)),
            (1_000, "2.5", expect('J', 80, 5, false)),
            (500, "2.5", expect('H', 50, 3, false)),
            (10_000, "1.0", expect('L', 200, 5, false)),
            (3_000, "4.0", expect('K', 125, 10, false)),
            (10_000, "0.65", expect('L', 200, 3, false)),
        ];
        for (lot, aql_str, expected) in cases {
            assert_eq!(plan_ii(lot, aql_str), expected, "lot {lot}, AQL {aql_str}");
            assert_eq!(code_letter(lot, InspectionLevel::II), Ok(expected.code_letter));
        }
    }

    #[test]
    fn arrows_change_the_code_letter_and_the_sample_size() {
        // Lot 50 → D (n = 8); at AQL 1.0 D has ↓, the first plan below is E: n = 13, 0/1.
        assert_eq!(code_letter(50, InspectionLevel::II), Ok('D'));
        assert_eq!(plan_ii(50, "1.0"), expect('E', 13, 0, false));
        // Lot 100 → F (n = 20); at AQL 1.0 F has ↑, the first plan above is E's 0/1 (n = 13).
        assert_eq!(code_letter(100, InspectionLevel::II), Ok('F'));
        assert_eq!(plan_ii(100, "1.0"), expect('E', 13, 0, false));
        // F at AQL 1.5 has ↓, to G: n = 32, 1/2.
        assert_eq!(plan_ii(100, "1.5"), expect('G', 32, 1, false));
        // Lot 400 → H; at AQL 0.65 H has ↓ to J: n = 80, 1/2.
        assert_eq!(plan_ii(400, "0.65"), expect('J', 80, 1, false));
        // Lot 3 000 → K; at AQL 15 K has ↑ to J: n = 80, 21/22.
        assert_eq!(plan_ii(3_000, "15"), expect('J', 80, 21, false));
        // Lot 20 000 → M; at AQL 6.5 M has ↑ to L: n = 200, 21/22.
        assert_eq!(plan_ii(20_000, "6.5"), expect('L', 200, 21, false));
        // Lot 100 000 → N; at AQL 4.0 ↑ to M (n = 315, 21/22); at 6.5 two ↑ to L (n = 200, 21/22).
        assert_eq!(plan_ii(100_000, "4.0"), expect('M', 315, 21, false));
        assert_eq!(plan_ii(100_000, "6.5"), expect('L', 200, 21, false));
        // Above AQL 10, only rows A to E reach 30/31 and 44/45: F at 100 and 150 go up to E (n = 13).
        assert_eq!(plan_ii(100, "100"), expect('E', 13, 21, false));
        assert_eq!(plan_ii(100, "150"), expect('E', 13, 30, false));
        assert_eq!(plan_ii(100, "250"), expect('E', 13, 44, false));
        // Lot 16 → C; at AQL 1000 C has ↑ to B: n = 3, 44/45.
        assert_eq!(plan_ii(16, "1000"), expect('B', 3, 44, false));
    }

    #[test]
    fn edge_cells_of_the_master_table() {
        // A at AQL 10 is read as ↓: B (↓) then C, n = 5, 1/2.
        assert_eq!(plan_ii(8, "10"), expect('C', 5, 1, false));
        // R at 0.010 and 0.015 are ↑; R's first plan is 1/2 at 0.025.
        let r_lot = 500_001;
        assert_eq!(code_letter(r_lot, InspectionLevel::III), Ok('R'));
        assert_eq!(plan(r_lot, InspectionLevel::III, aql("0.010")), Ok(expect('Q', 1250, 0, false)));
        assert_eq!(plan(r_lot, InspectionLevel::III, aql("0.015")), Ok(expect('P', 800, 0, false)));
        assert_eq!(plan(r_lot, InspectionLevel::III, aql("0.025")), Ok(expect('R', 2000, 1, false)));
        // Row A's last column and row B's.
        assert_eq!(plan_ii(8, "1000"), expect('A', 2, 30, false));
        assert_eq!(plan_ii(15, "1000"), expect('B', 3, 44, false));
    }

    #[test]
    fn full_inspection_when_the_sample_reaches_the_lot() {
        // Lot 5 → A; at AQL 1.0 the arrow leads to E, n = 13 > 5: inspect all 5, still 0/1.
        assert_eq!(plan_ii(5, "1.0"), expect('E', 5, 0, true));
        // Exactly equal: lot 13 → B, ↓ to E with n = 13.
        assert_eq!(plan_ii(13, "1.0"), expect('E', 13, 0, true));
        // Lot 20 → C; AQL 0.65 ↓ to F, n = 20 = lot.
        assert_eq!(plan_ii(20, "0.65"), expect('F', 20, 0, true));
        // Lot 5 → A; AQL 10 leads to C, n = 5 = lot, 1/2.
        assert_eq!(plan_ii(5, "10"), expect('C', 5, 1, true));
        // One unit short of the sample: no longer 100 %.
        assert_eq!(plan_ii(14, "1.0"), expect('E', 13, 0, false));
        // A lot of 1 is letter A, and always inspected in full.
        assert_eq!(code_letter(1, InspectionLevel::S1), Ok('A'));
        assert_eq!(plan_ii(1, "2.5"), expect('C', 1, 0, true));
    }

    #[test]
    fn aql_zero_takes_the_letters_sample_with_zero_acceptance() {
        assert_eq!(plan(10_000, InspectionLevel::II, Aql::ZERO), Ok(expect('L', 200, 0, false)));
        assert_eq!(plan(50, InspectionLevel::II, Aql::ZERO), Ok(expect('D', 8, 0, false)));
        assert_eq!(plan(600_000, InspectionLevel::III, Aql::ZERO), Ok(expect('R', 2000, 0, false)));
        assert_eq!(plan(2, InspectionLevel::II, Aql::ZERO), Ok(expect('A', 2, 0, true)));
        let zero = plan(10_000, InspectionLevel::II, aql("0")).expect("a plan");
        assert_eq!((zero.accept, zero.reject), (0, 1));
        assert_eq!(zero.verdict(0), Verdict::Accept);
        assert_eq!(zero.verdict(1), Verdict::Reject);
    }

    #[test]
    fn lot_size_zero_is_an_error() {
        assert_eq!(plan(0, InspectionLevel::II, aql("2.5")), Err(SamplingError::ZeroLotSize));
        assert_eq!(plan(0, InspectionLevel::II, Aql::ZERO), Err(SamplingError::ZeroLotSize));
        assert_eq!(code_letter(0, InspectionLevel::II), Err(SamplingError::ZeroLotSize));
    }

    #[test]
    fn table_1_boundaries() {
        use InspectionLevel::*;
        let cases = [
            (8, II, 'A'),
            (9, II, 'B'),
            (280, II, 'G'),
            (281, II, 'H'),
            (1_200, II, 'J'),
            (1_201, II, 'K'),
            (500_000, II, 'P'),
            (500_001, II, 'Q'),
            (u32::MAX, II, 'Q'),
            (2, III, 'B'),
            (u32::MAX, III, 'R'),
            (35_000, S1, 'C'),
            (35_001, S1, 'D'),
            (150_000, S2, 'E'),
            (500_001, S3, 'H'),
            (35_001, S4, 'J'),
            (10_001, I, 'K'),
        ];
        for (lot, level, letter) in cases {
            assert_eq!(code_letter(lot, level), Ok(letter), "lot {lot}, level {level}");
        }
    }

    /// Table 2-A is diagonal: the AQL column `c` has its 0/1 plan in row 14 - c, and from there down the
    /// column the cells are 0/1, ↑, ↓, 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15, 21/22, then (rows A to E
    /// only) 30/31, 44/45, then ↑. This derives every cell from that rule, independently of the data.
    fn diagonal_rule(row: usize, col: usize) -> Cell {
        const ACCEPT_FROM_17: [u8; 10] = [1, 2, 3, 5, 7, 10, 14, 21, 30, 44];
        match row + col {
            0..=13 => Cell::Down,
            14 => Cell::Plan(0),
            15 if row == 0 => Cell::Down, // A at AQL 10: nothing above
            15 => Cell::Up,
            16 if row == ROWS - 1 => Cell::Up, // R at 0.015: nothing below
            16 => Cell::Down,
            d @ 17..=24 => Cell::Plan(ACCEPT_FROM_17[d - 17]),
            d @ 25..=26 if row <= row_of('E') => Cell::Plan(ACCEPT_FROM_17[d - 17]),
            _ => Cell::Up,
        }
    }

    #[test]
    fn every_cell_follows_the_diagonal_structure() {
        for (row, cells) in CELLS.iter().enumerate() {
            for (col, &cell) in cells.iter().enumerate() {
                let letter = char::from(CODE_LETTERS[row]);
                assert_eq!(cell, diagonal_rule(row, col), "{letter} at AQL {}", AQL_LABELS[col]);
            }
        }
    }

    /// The plans of each row in column order, as in the MIL-STD-105E text of Table II-A (whose plain
    /// text keeps the numbers and loses the arrows).
    #[test]
    fn rows_carry_the_published_sequence_of_plans() {
        let to_21: &[u8] = &[0, 1, 2, 3, 5, 7, 10, 14, 21];
        for (row, cells) in CELLS.iter().enumerate() {
            let plans: Vec<u8> = cells
                .iter()
                .filter_map(|c| match c {
                    Cell::Plan(accept) => Some(*accept),
                    _ => None,
                })
                .collect();
            let expected: Vec<u8> = match CODE_LETTERS[row] {
                b'A' => [to_21, &[30][..]].concat(),
                b'B'..=b'E' => [to_21, &[30, 44][..]].concat(),
                b'R' => to_21[1..].to_vec(),
                _ => to_21.to_vec(),
            };
            assert_eq!(plans, expected, "row {}", char::from(CODE_LETTERS[row]));
        }
    }

    /// Rows H to N at AQL 0.65 to 6.5, cross-checked against two published copies of the table.
    #[test]
    fn rows_h_to_n_match_the_published_table() {
        let published = [
            ('H', "↓ 1/2 2/3 3/4 5/6 7/8"),
            ('J', "1/2 2/3 3/4 5/6 7/8 10/11"),
            ('K', "2/3 3/4 5/6 7/8 10/11 14/15"),
            ('L', "3/4 5/6 7/8 10/11 14/15 21/22"),
            ('M', "5/6 7/8 10/11 14/15 21/22 ↑"),
            ('N', "7/8 10/11 14/15 21/22 ↑ ↑"),
        ];
        let columns = ["0.65", "1.0", "1.5", "2.5", "4.0", "6.5"];
        for (letter, cells) in published {
            let cells: Vec<&str> = cells.split_whitespace().collect();
            assert_eq!(cells.len(), columns.len());
            for (aql_str, token) in columns.iter().zip(cells) {
                let expected = match token {
                    "↓" => Cell::Down,
                    "↑" => Cell::Up,
                    pair => {
                        let (ac, re) = pair.split_once('/').expect("Ac/Re");
                        let (ac, re): (u8, u8) = (ac.parse().expect("Ac"), re.parse().expect("Re"));
                        assert_eq!(re, ac + 1);
                        Cell::Plan(ac)
                    }
                };
                assert_eq!(CELLS[row_of(letter)][column_of(aql_str)], expected, "{letter} at {aql_str}");
            }
        }
    }

    /// Follows arrows at run time, one row at a time, with a step bound: no cell loops or falls off.
    #[test]
    fn every_cell_resolves_to_a_plan() {
        for row in 0..ROWS {
            for col in 0..COLS {
                let (mut r, mut steps) = (row, 0);
                let accept = loop {
                    match CELLS[r][col] {
                        Cell::Plan(accept) => break accept,
                        Cell::Down => r += 1,
                        Cell::Up => r = r.checked_sub(1).expect("an ↑ in row A"),
                    }
                    assert!(r < ROWS, "a ↓ in row R");
                    steps += 1;
                    assert!(steps < ROWS, "arrow loop at row {row}, column {col}");
                };
                assert_eq!(PLANS[row][col], Resolved { row: r as u8, accept });
                // An arrow never crosses a plan in its own direction before reaching one.
                match CELLS[row][col] {
                    Cell::Down => assert!(r > row),
                    Cell::Up => assert!(r < row),
                    Cell::Plan(_) => assert_eq!(r, row),
                }
            }
        }
    }

    /// Every level, lot range and AQL (with 0): a plan comes back, Re = Ac + 1, n never exceeds the
    /// lot, 100 % exactly when the table's n reaches the lot; and every code letter is reached.
    #[test]
    fn every_letter_and_aql_gives_a_consistent_plan() {
        let mut letters_seen = std::collections::BTreeSet::new();
        let lots = TABLE_1.iter().flat_map(|&(last, _)| [last.saturating_sub(1).max(1), last]);
        for lot in lots {
            for level in InspectionLevel::ALL {
                letters_seen.insert(code_letter(lot, level).expect("a letter"));
                for a in Aql::preferred().chain([Aql::ZERO]) {
                    let p = plan(lot, level, a).expect("a plan");
                    assert_eq!(p.reject, p.accept + 1);
                    assert!(p.sample_size <= lot);
                    let table_n = SAMPLE_SIZES[row_of(p.code_letter)];
                    assert_eq!(p.full_inspection, table_n >= lot);
                    assert_eq!(p.sample_size, table_n.min(lot));
                    assert!(is_acceptance_number(p.accept));
                }
            }
        }
        assert_eq!(letters_seen.len(), ROWS);
    }

    #[test]
    fn sample_size_never_decreases_as_the_lot_grows() {
        let mut lots: Vec<u32> = vec![1, 3, 5, 7, 10, 12, 14, 18, 30, 60, 100, 200, 400, 800, 2_000, 5_000];
        for &(last, _) in &TABLE_1 {
            lots.extend([last.saturating_sub(1), last, last.saturating_add(1)]);
        }
        lots.sort_unstable();
        lots.dedup();
        for level in InspectionLevel::ALL {
            for a in Aql::preferred().chain([Aql::ZERO]) {
                let mut previous = 0;
                for &lot in &lots {
                    let n = plan(lot, level, a).expect("a plan").sample_size;
                    assert!(n >= previous, "level {level}, AQL {a}: lot {lot} gives n = {n} < {previous}");
                    previous = n;
                }
            }
        }
    }

    #[test]
    fn verdict_compares_with_ac_and_re() {
        let p = plan_ii(1_000, "2.5");
        assert_eq!((p.accept, p.reject), (5, 6));
        assert_eq!(p.verdict(0), Verdict::Accept);
        assert_eq!(p.verdict(5), Verdict::Accept);
        assert_eq!(p.verdict(6), Verdict::Reject);
        assert_eq!(p.verdict(u32::MAX), Verdict::Reject);
    }

    #[test]
    fn aql_parses_the_preferred_values_only() {
        assert_eq!(aql("2.5").thousandths(), 2_500);
        assert_eq!(aql("2.50"), aql("2.5"));
        assert_eq!(aql(" 2.5 % "), aql("2.5"));
        assert_eq!(aql("0.1"), aql("0.10"));
        assert_eq!(aql(".65"), aql("0.65"));
        assert_eq!(aql("1"), aql("1.0"));
        assert_eq!(aql("10.000"), aql("10"));
        assert_eq!(aql("0.010").thousandths(), 10);
        assert_eq!(aql("1000").thousandths(), 1_000_000);
        assert_eq!(aql("0"), Aql::ZERO);
        assert_eq!(aql("0.0"), Aql::ZERO);
        assert!(Aql::ZERO.is_zero() && !aql("0.010").is_zero());
        for bad in
            ["", ".", "2.4", "0.0101", "-1", "+2.5", "1e3", "abc", "2,5", "1 000", "99999999999", "2000"]
        {
            assert_eq!(bad.parse::<Aql>(), Err(SamplingError::UnknownAql(bad.trim().to_owned())), "{bad}");
        }
        assert_eq!(Aql::from_thousandths(65), Ok(aql("0.065")));
        assert_eq!(Aql::from_thousandths(0), Ok(Aql::ZERO));
        assert_eq!(Aql::from_thousandths(2_400), Err(SamplingError::UnknownAql("2.4".to_owned())));
        assert_eq!(Aql::from_thousandths(7), Err(SamplingError::UnknownAql("0.007".to_owned())));
    }

    #[test]
    fn aql_displays_in_the_standards_notation_and_round_trips() {
        let shown: Vec<String> = Aql::preferred().map(|a| a.to_string()).collect();
        assert_eq!(shown, AQL_LABELS);
        assert_eq!(Aql::ZERO.to_string(), "0");
        assert_eq!(format!("{:?}", aql("0.65")), "Aql(0.65)");
        let all: Vec<Aql> = [Aql::ZERO].into_iter().chain(Aql::preferred()).collect();
        assert!(all.windows(2).all(|w| w[0] < w[1] && w[0].thousandths() < w[1].thousandths()));
        for a in all {
            assert_eq!(a.to_string().parse::<Aql>(), Ok(a));
            assert_eq!(Aql::from_thousandths(a.thousandths()), Ok(a));
        }
    }

    #[test]
    fn inspection_level_parses_and_displays() {
        assert_eq!(InspectionLevel::default(), InspectionLevel::II);
        for level in InspectionLevel::ALL {
            assert_eq!(level.to_string().parse::<InspectionLevel>(), Ok(level));
        }
        assert_eq!("s1".parse::<InspectionLevel>(), Ok(InspectionLevel::S1));
        assert_eq!(" iii ".parse::<InspectionLevel>(), Ok(InspectionLevel::III));
        assert_eq!("S-4".parse::<InspectionLevel>(), Ok(InspectionLevel::S4));
        for bad in ["", "IV", "S-5", "G-2", "2"] {
            assert_eq!(
                bad.parse::<InspectionLevel>(),
                Err(SamplingError::UnknownInspectionLevel(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn serde_uses_strings() {
        assert_eq!(serde_json::to_string(&aql("2.5")).expect("json"), "\"2.5\"");
        assert_eq!(serde_json::to_string(&aql("0.010")).expect("json"), "\"0.010\"");
        assert_eq!(serde_json::to_string(&Aql::ZERO).expect("json"), "\"0\"");
        assert_eq!(serde_json::from_str::<Aql>("\"0.65\"").expect("json"), aql("0.65"));
        assert!(serde_json::from_str::<Aql>("\"2.4\"").is_err());
        assert!(serde_json::from_str::<Aql>("2.5").is_err());
        assert_eq!(serde_json::to_string(&InspectionLevel::S3).expect("json"), "\"S-3\"");
        assert_eq!(serde_json::from_str::<InspectionLevel>("\"III\"").expect("json"), InspectionLevel::III);
        assert!(serde_json::from_str::<InspectionLevel>("\"IV\"").is_err());
        assert_eq!(
            serde_json::to_value(plan_ii(10_000, "2.5")).expect("json"),
            serde_json::json!({
                "code_letter": "L",
                "sample_size": 200,
                "accept": 10,
                "reject": 11,
                "full_inspection": false
            })
        );
        assert_eq!(serde_json::to_string(&Verdict::Reject).expect("json"), "\"reject\"");
    }

    #[test]
    fn errors_explain_themselves() {
        assert_eq!(SamplingError::ZeroLotSize.to_string(), "the lot size must be at least 1");
        assert!(
            SamplingError::UnknownAql("2.4".into()).to_string().starts_with("`2.4` is not a preferred AQL")
        );
        assert!(SamplingError::UnknownInspectionLevel("IV".into()).to_string().contains("S-1"));
    }
}
