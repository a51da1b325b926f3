//! The text encoding of an imported file. Files are read as UTF-8; a file that is not valid
//! UTF-8 (a spreadsheet's "CSV" saved on Windows, say) is read as Windows-1252, the superset of
//! Latin-1 those programs write, instead of stopping the import at its first accented name. An
//! encoding can also be named (`--encoding utf-8|latin1`).

use std::io::{self, Read};

/// How to read an imported file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the whole file is valid UTF-8, Windows-1252 otherwise.
    #[default]
    Auto,
    Utf8,
    /// Latin-1 as Windows-1252 (its superset: `€`, curly quotes and dashes in 0x80–0x9F).
    Latin1,
}

impl Encoding {
    /// `auto`, `utf-8` / `utf8`, or `latin1` / `latin-1` / `iso-8859-1` / `windows-1252` / `cp1252`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "latin1" | "latin-1" | "iso-8859-1" | "windows-1252" | "cp1252" => Ok(Self::Latin1),
            other => Err(format!(
                "encoding `{}` is not known: use auto, utf-8 or latin1",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// Windows-1252's characters for the bytes 0x80–0x9F; the five it leaves undefined stay the C1
/// control of the same number, as browsers read them.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// One Windows-1252 byte as a character.
pub fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Bytes in Windows-1252 as text.
pub fn decode_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| cp1252_char(*b)).collect()
}

/// Whether everything `r` yields is valid UTF-8 (read in blocks; memory stays small).
pub fn is_utf8(mut r: impl Read) -> io::Result<bool> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry = 0;
    loop {
        let n = r.read(&mut buf[carry..])?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let filled = carry + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            // A character cut by the block's end: keep its first bytes for the next block.
            Err(e) if e.error_len().is_none() => {
                let from = e.valid_up_to();
                buf.copy_within(from..filled, 0);
                carry = filled - from;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// A reader yielding the UTF-8 text of a Windows-1252 stream.
pub struct Latin1Reader<R> {
    inner: R,
    raw: Vec<u8>,
    /// Encoded bytes not handed out yet: `out[at..]`.
    out: Vec<u8>,
    at: usize,
}

impl<R: Read> Latin1Reader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            raw: vec![0u8; 16 * 1024],
            out: Vec::new(),
            at: 0,
        }
    }
}

impl<R: Read> Read for Latin1Reader<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if self.at == self.out.len() {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                return Ok(0);
            }
            self.out.clear();
            self.at = 0;
            let mut tmp = [0u8; 4];
            for b in &self.raw[..n] {
                let c = cp1252_char(*b);
                self.out
                    .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
        let n = dst.len().min(self.out.len() - self.at);
        dst[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
