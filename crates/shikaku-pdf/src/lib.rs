//! Text pages as PDF: A4, lines placed at given points, in Japanese with a font Debian ships
//! (IPAGothic or Noto Sans CJK) embedded as a subset, so `pdftotext` and any viewer read it.

use std::path::PathBuf;

use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

/// Where Debian's Japanese fonts are (fonts-ipafont-gothic, the fonts-japanese-gothic
/// alternative, fonts-noto-cjk), tried in order.
const FONTS: [&str; 3] = [
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
];

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "日本語フォントが見つかりません（fonts-ipafont-gothic を導入してください） (no Japanese font: install fonts-ipafont-gothic or fonts-noto-cjk); tried {0}"
    )]
    NoFont(String),
    #[error("the font {0} cannot be read: {1}")]
    BadFont(String, String),
    #[error("PDF: {0}")]
    Pdf(String),
}

/// One line of text: its left end at `x`, its baseline `y` points from the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub text: String,
}

impl Line {
    pub fn new(x: f32, y: f32, size: f32, text: impl Into<String>) -> Self {
        Self {
            x,
            y,
            size,
            text: text.into(),
        }
    }
}

fn font() -> Result<Font, PdfError> {
    let candidates: Vec<PathBuf> = FONTS.iter().map(PathBuf::from).collect();
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Err(PdfError::NoFont(
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    };
    let name = path.display().to_string();
    let data = std::fs::read(path).map_err(|e| PdfError::BadFont(name.clone(), e.to_string()))?;
    Font::new(data.into(), 0).ok_or_else(|| PdfError::BadFont(name, "not a font".into()))
}

/// Whether a font is there to print with.
pub fn check_font() -> Result<(), PdfError> {
    font().map(|_| ())
}

/// The pages, each a list of lines, as one A4 PDF.
pub fn render(pages: &[Vec<Line>]) -> Result<Vec<u8>, PdfError> {
    let font = font()?;
    let mut document = Document::new();
    for lines in pages {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| PdfError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for l in lines {
            surface.draw_text(
                Point::from_xy(l.x, l.y),
                font.clone(),
                l.size,
                &l.text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Pdf(format!("{e:?}")))
}

/// Lines laid out top to bottom, a new page when one is full.
#[derive(Debug, Default)]
pub struct Flow {
    pages: Vec<Vec<Line>>,
    y: f32,
}

/// Top and bottom margins of a [`Flow`] page.
const TOP: f32 = 64.0;
const BOTTOM: f32 = 790.0;

impl Flow {
    pub fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// A line at indent `x`, `size` points high, on the current page or the next.
    pub fn line(&mut self, x: f32, size: f32, text: impl Into<String>) {
        let step = size * 1.6;
        if self.y + step > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
        self.y += step;
        if let Some(page) = self.pages.last_mut() {
            page.push(Line::new(x, self.y, size, text));
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y += points;
    }

    pub fn render(&self) -> Result<Vec<u8>, PdfError> {
        render(&self.pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_flow_breaks_into_pages_and_renders_a_pdf() {
        let mut flow = Flow::new();
        for i in 0..100 {
            flow.line(64.0, 10.0, format!("{i}行目　アムロジピン錠５ｍｇ"));
        }
        assert!(flow.pages.len() >= 2);
        if check_font().is_ok() {
            let pdf = flow.render().expect("pdf");
            assert!(pdf.starts_with(b"%PDF-"));
        }
    }
}
