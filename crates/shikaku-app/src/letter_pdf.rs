//! The activation letters as a printable PDF: one A4 page per facility, in Japanese, with a
//! font Debian ships (IPAGothic or Noto Sans CJK) embedded as a subset, laid out for a window
//! envelope (address block at the top left).

use shikaku_pdf::Line;

use crate::identity::PrintedLetter;

pub use shikaku_pdf::PdfError as LetterPdfError;

/// The letter's fixed text: (y from the top in points, size, text), lines short enough for
/// the A4 text width at 11 points.
const BODY: [(f32, f32, &str); 5] = [
    (
        200.0,
        16.0,
        "オンライン資格確認等システム　医療機関等向けポータルサイト",
    ),
    (224.0, 16.0, "アカウント有効化のための確認コードのお知らせ"),
    (
        270.0,
        11.0,
        "ポータルサイトに、この医療機関等コードのアカウント登録（または移管）が",
    ),
    (
        286.0,
        11.0,
        "ありました。ご本人の確認のため、保険医療機関・保険薬局の名簿の所在地",
    ),
    (302.0, 11.0, "あてにお送りしています。"),
];
const STEPS: [(f32, f32, &str); 7] = [
    (
        500.0,
        11.0,
        "手続き: ポータルサイトにログインし、「アカウントの有効化」画面で",
    ),
    (516.0, 11.0, "　　　　確認コードを入力してください。"),
    (
        534.0,
        11.0,
        "移管を受けた方は、同じ画面で医療機関等コード・確認コード・",
    ),
    (550.0, 11.0, "新しいパスワードを入力してください。"),
    (
        568.0,
        11.0,
        "有効化するまで、申請や情報の閲覧はできません。",
    ),
    (
        610.0,
        11.0,
        "お心当たりのない場合は、確認コードを入力せず、問い合わせ窓口へご連絡ください。",
    ),
    (
        626.0,
        11.0,
        "このコードは一度だけ使えます。第三者に知らせないでください。",
    ),
];

/// Whether a font is there to print with (checked before any code is made).
pub fn check_font() -> Result<(), LetterPdfError> {
    shikaku_pdf::check_font()
}

/// The letters, one page each.
pub fn render(letters: &[PrintedLetter]) -> Result<Vec<u8>, LetterPdfError> {
    let pages: Vec<Vec<Line>> = letters
        .iter()
        .map(|letter| {
            let mut page = Vec::new();
            let mut line =
                |y: f32, size: f32, text: &str| page.push(Line::new(64.0, y, size, text));
            let l = &letter.letter;
            let expires = crate::identity::jst_day(letter.expires_at);
            // Postal codes are stored normalized (123-4567).
            line(90.0, 11.0, &format!("〒{}", l.postal_code));
            line(108.0, 11.0, &l.address);
            line(130.0, 13.0, &format!("{}　御中", l.name));
            for (y, size, text) in BODY {
                line(y, size, text);
            }
            line(
                346.0,
                11.0,
                &format!("医療機関等コード　{}", l.facility_code),
            );
            line(380.0, 11.0, "確認コード");
            line(414.0, 26.0, &letter.code.to_string());
            line(
                450.0,
                11.0,
                &format!("有効期限　{expires}まで（印刷日から30日）"),
            );
            for (y, size, text) in STEPS {
                line(y, size, text);
            }
            page
        })
        .collect();
    shikaku_pdf::render(&pages)
}
