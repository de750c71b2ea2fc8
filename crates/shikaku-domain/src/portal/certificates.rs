//! Terminal certificates (電子証明書): the terminal's name and OS, and where an application
//! stands.

use super::lifecycle::{Action, choice_enum};
use super::{Choice, FieldError, Lifecycle};

/// 資格確認端末の推奨OS (seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalOs {
    Win10IotLtsc2019,
    Win10EnterpriseLtsc2019,
}

impl Choice for TerminalOs {
    const ALL: &'static [TerminalOs] = &[
        TerminalOs::Win10IotLtsc2019,
        TerminalOs::Win10EnterpriseLtsc2019,
    ];
    fn code(self) -> &'static str {
        match self {
            TerminalOs::Win10IotLtsc2019 => "win10-iot-ltsc-2019",
            TerminalOs::Win10EnterpriseLtsc2019 => "win10-enterprise-ltsc-2019",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            TerminalOs::Win10IotLtsc2019 => "Windows10 IoT Enterprise 2019 LTSC 64bit版",
            TerminalOs::Win10EnterpriseLtsc2019 => "Windows10 Enterprise 2019 LTSC 64bit版",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            TerminalOs::Win10IotLtsc2019 => "Windows 10 IoT Enterprise 2019 LTSC 64-bit",
            TerminalOs::Win10EnterpriseLtsc2019 => "Windows 10 Enterprise 2019 LTSC 64-bit",
        }
    }
}

/// A terminal's name as it goes into its certificate: 1–32 ASCII letters, digits, `-` or `_`.
pub fn check_terminal_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 32
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            "terminal_name",
            "端末名は半角英数字と - _ で1〜32文字です（例: uketsuke-1）",
            "the terminal name is 1-32 ASCII letters, digits, - or _ (e.g. uketsuke-1)",
        ));
    }
    Ok(name.to_string())
}

choice_enum! {
    /// Where a terminal-certificate application stands.
    pub enum CertStatus ("certificate application status") {
        Applied => ("applied", "申請中", "applied"),
        /// Approved: the facility may download it once.
        Issued => ("issued", "発行済み（未ダウンロード）", "issued (not downloaded)"),
        Downloaded => ("downloaded", "ダウンロード済み", "downloaded"),
        Rejected => ("rejected", "却下", "rejected"),
        Revoked => ("revoked", "失効", "revoked"),
    }
}

choice_enum! {
    /// What may be done to a certificate application.
    pub enum CertAction ("certificate application action") {
        Issue => ("issue", "承認して発行する", "approve and issue"),
        Reject => ("reject", "却下する", "reject"),
        /// The facility's one download (the key is made then and never stored).
        Download => ("download", "ダウンロードする", "download"),
        Revoke => ("revoke", "失効させる", "revoke"),
    }
}

impl Action for CertAction {
    fn by_operator(self) -> bool {
        self != CertAction::Download
    }
    /// The facility downloads, and may revoke its own terminal's certificate.
    fn by_facility(self) -> bool {
        matches!(self, CertAction::Download | CertAction::Revoke)
    }
}

impl Lifecycle for CertStatus {
    type Action = CertAction;
    fn apply(self, action: CertAction) -> Option<Self> {
        use CertAction::*;
        use CertStatus::*;
        match (self, action) {
            (Applied, Issue) => Some(Issued),
            (Applied, Reject) => Some(Rejected),
            (Issued, Download) => Some(Downloaded),
            (Issued | Downloaded, Revoke) => Some(Revoked),
            _ => None,
        }
    }
}

impl CertStatus {
    /// The application counts as the terminal's certificate (applied for, or valid).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            CertStatus::Applied | CertStatus::Issued | CertStatus::Downloaded
        )
    }

    /// A certificate exists for it (issued, downloaded or not yet), not revoked.
    pub fn is_valid(self) -> bool {
        matches!(self, CertStatus::Issued | CertStatus::Downloaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_names() {
        assert_eq!(
            check_terminal_name(" uketsuke-1 ").expect("ok"),
            "uketsuke-1"
        );
        assert!(check_terminal_name("受付1").is_err());
        assert!(check_terminal_name("").is_err());
        assert!(check_terminal_name(&"a".repeat(33)).is_err());
    }

    #[test]
    fn certificate_applications_move_along_their_edges_only() {
        use CertAction::*;
        assert_eq!(
            CertStatus::Issued.apply(Download),
            Some(CertStatus::Downloaded)
        );
        assert_eq!(CertStatus::Downloaded.apply(Download), None);
        assert_eq!(CertStatus::Applied.actions_for(true), vec![Issue, Reject]);
        assert_eq!(
            CertStatus::Issued.actions_for(false),
            vec![Download, Revoke]
        );
        assert_eq!(CertStatus::Downloaded.actions_for(true), vec![Revoke]);
        assert_eq!(CertStatus::Downloaded.allowed_actions(), vec![Revoke]);
        assert!(CertStatus::Revoked.is_final() && CertStatus::Rejected.is_final());
    }
}
