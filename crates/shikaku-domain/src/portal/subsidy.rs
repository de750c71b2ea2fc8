//! The subsidy application (補助金申請): the documents it needs, what an uploaded file really
//! is, and where an application stands. The amounts are [`crate::subsidy`]'s.

use super::lifecycle::{Action, choice_enum};
use super::{Choice, FieldError, Lifecycle};

/// The three documents a subsidy application needs (seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Receipt,
    ReceiptBreakdown,
    CompletionReport,
}

impl Choice for DocumentKind {
    const ALL: &'static [DocumentKind] = &[
        DocumentKind::Receipt,
        DocumentKind::ReceiptBreakdown,
        DocumentKind::CompletionReport,
    ];
    fn code(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::ReceiptBreakdown => "receipt-breakdown",
            DocumentKind::CompletionReport => "completion-report",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "領収書（写）",
            DocumentKind::ReceiptBreakdown => "領収書内訳書（写）",
            DocumentKind::CompletionReport => "事業完了報告書",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "Receipt (copy)",
            DocumentKind::ReceiptBreakdown => "Receipt breakdown (copy)",
            DocumentKind::CompletionReport => "Completion report",
        }
    }
}

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// What an uploaded file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else {
            None
        }
    }

    pub fn from_extension(file_name: &str) -> Option<FileType> {
        let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileType::Pdf),
            "jpg" | "jpeg" => Some(FileType::Jpeg),
            "png" => Some(FileType::Png),
            _ => None,
        }
    }

    /// The type a stored content type names.
    pub fn from_content_type(content_type: &str) -> Option<FileType> {
        [FileType::Pdf, FileType::Jpeg, FileType::Png]
            .into_iter()
            .find(|t| t.content_type() == content_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }
}

/// Checks an uploaded document: PDF, JPEG or PNG, its content what its name says, not empty,
/// not larger than [`MAX_DOCUMENT_BYTES`].
pub fn check_document(file_name: &str, bytes: &[u8]) -> Result<FileType, FieldError> {
    let field = "document";
    let Some(named) = FileType::from_extension(file_name) else {
        return Err(FieldError::new(
            field,
            format!("{file_name}: PDF・JPEG・PNG のファイルを選んでください"),
            format!("{file_name}: choose a PDF, JPEG or PNG file"),
        ));
    };
    if bytes.is_empty() {
        return Err(FieldError::new(
            field,
            format!("{file_name}: ファイルが空です"),
            format!("{file_name}: the file is empty"),
        ));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FieldError::new(
            field,
            format!(
                "{file_name}: ファイルが大きすぎます（{} MB まで）",
                MAX_DOCUMENT_BYTES >> 20
            ),
            format!(
                "{file_name}: the file is too large (at most {} MB)",
                MAX_DOCUMENT_BYTES >> 20
            ),
        ));
    }
    match FileType::sniff(bytes) {
        Some(found) if found == named => Ok(found),
        _ => Err(FieldError::new(
            field,
            format!(
                "{file_name}: ファイルの中身が拡張子（{}）と一致しません",
                named.content_type()
            ),
            format!(
                "{file_name}: the content is not what the extension says ({})",
                named.content_type()
            ),
        )),
    }
}

choice_enum! {
    /// Where a subsidy application stands.
    pub enum SubsidyStatus ("subsidy application status") {
        Submitted => ("submitted", "審査中", "under review"),
        /// 差戻し: the facility corrects it and submits again.
        Returned => ("returned", "差戻し", "returned for correction"),
        Approved => ("approved", "承認", "approved"),
        Rejected => ("rejected", "却下", "rejected"),
        /// 取下げ: the facility withdrew it before a decision.
        Withdrawn => ("withdrawn", "取下げ", "withdrawn"),
    }
}

choice_enum! {
    /// What may be done to a subsidy application.
    pub enum SubsidyAction ("subsidy application action") {
        Approve => ("approve", "承認する", "approve"),
        Return => ("return", "差し戻す", "return for correction"),
        Reject => ("reject", "却下する", "reject"),
        Resubmit => ("resubmit", "再提出する", "submit again"),
        Withdraw => ("withdraw", "取り下げる", "withdraw"),
    }
}

impl Action for SubsidyAction {
    fn by_operator(self) -> bool {
        matches!(
            self,
            SubsidyAction::Approve | SubsidyAction::Return | SubsidyAction::Reject
        )
    }
    fn by_facility(self) -> bool {
        !self.by_operator()
    }
}

impl Lifecycle for SubsidyStatus {
    type Action = SubsidyAction;
    fn apply(self, action: SubsidyAction) -> Option<Self> {
        use SubsidyAction::*;
        use SubsidyStatus::*;
        match (self, action) {
            (Submitted, Approve) => Some(Approved),
            (Submitted, Return) => Some(Returned),
            (Submitted, Reject) => Some(Rejected),
            (Returned, Resubmit) => Some(Submitted),
            (Submitted | Returned, Withdraw) => Some(Withdrawn),
            _ => None,
        }
    }
}

impl SubsidyStatus {
    /// Documents may be added or replaced (under review or returned).
    pub fn accepts_documents(self) -> bool {
        matches!(self, SubsidyStatus::Submitted | SubsidyStatus::Returned)
    }

    /// The application still stands (a new one is refused while one does).
    pub fn is_live(self) -> bool {
        !matches!(self, SubsidyStatus::Rejected | SubsidyStatus::Withdrawn)
    }
}

choice_enum! {
    /// What a cost is for: the kinds of work the subsidy covers (seed, 補助の対象となる事業).
    /// The card reader itself is provided free and is not a cost.
    pub enum CostItem ("subsidy cost item") {
        /// ① 資格確認端末（パソコン）等の購入・導入、読取・資格確認のソフトウェア・機器.
        Terminal => ("terminal", "① 資格確認端末（パソコン）・読取等の機器とソフトウェアの導入", "1. Terminal PC, reading and checking equipment and software"),
        /// ② レセコン・電子カルテに組み込むパッケージソフト、ネットワーク環境の整備.
        SoftwareNetwork => ("software-network", "② パッケージソフト・ネットワーク環境の整備", "2. Package software and the network"),
        /// ③ 既存システムの改修 (電子カルテは薬剤情報・特定健診情報の閲覧のための改修を含む).
        SystemChange => ("system-change", "③ レセプトコンピュータ・電子カルテ等の改修（薬剤情報・特定健診情報の閲覧を含む）", "3. Changes to the receipt computer or electronic records (incl. viewing drug and checkup data)"),
        /// ④ オンライン請求回線の導入・増強.
        Line => ("line", "④ オンライン請求回線の導入・増強", "4. The online-claims line (new or upgraded)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_what_their_names_say() {
        assert_eq!(
            check_document("r.pdf", b"%PDF-1.7 ...").expect("pdf"),
            FileType::Pdf
        );
        assert_eq!(
            check_document("r.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]).expect("jpeg"),
            FileType::Jpeg
        );
        assert!(check_document("r.png", b"%PDF-1.7").is_err());
        assert!(check_document("r.exe", b"MZ").is_err());
        assert!(check_document("r.pdf", b"").is_err());
        let big = vec![b'%'; MAX_DOCUMENT_BYTES + 1];
        assert!(
            check_document("r.pdf", &big)
                .expect_err("big")
                .ja
                .contains("大きすぎ")
        );
    }

    #[test]
    fn subsidy_applications_move_along_their_edges_only() {
        use SubsidyAction::*;
        use SubsidyStatus::*;
        assert_eq!(Returned.apply(Resubmit), Some(Submitted));
        assert_eq!(Rejected.apply(Approve), None);
        assert_eq!(Submitted.actions_for(true), vec![Approve, Return, Reject]);
        assert_eq!(Submitted.actions_for(false), vec![Withdraw]);
        assert_eq!(Returned.actions_for(false), vec![Resubmit, Withdraw]);
        assert_eq!(Approved.apply(Withdraw), None);
        assert!(Approved.is_final() && Withdrawn.is_final());
    }
}
