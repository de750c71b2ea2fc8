//! Who a facility is (issue 21): the facility register (the 地方厚生局's published lists of
//! 保険医療機関・保険薬局: 医療機関等コード, 名称, 種別, 郵便番号, 所在地), what a registration
//! must match in it, and the one-time activation code sent by post to the registered address.

use std::fmt;

use crate::facility_code::{FacilityCode, ScoreTable};
use crate::subsidy::FacilityCategory;

/// How long an activation letter's code is valid after it is printed.
pub const ACTIVATION_DAYS: i64 = 30;

/// 種別 in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegisterKind {
    /// 病院
    Hospital,
    /// 診療所（医科）
    Clinic,
    /// 歯科診療所
    DentalClinic,
    /// 保険薬局
    Pharmacy,
}

impl RegisterKind {
    pub const ALL: [RegisterKind; 4] = [
        Self::Hospital,
        Self::Clinic,
        Self::DentalClinic,
        Self::Pharmacy,
    ];

    /// The register's word (Japanese, as the 地方厚生局's lists write it) or the stored code.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "病院" | "hospital" => Some(Self::Hospital),
            "診療所" | "医科診療所" | "clinic" => Some(Self::Clinic),
            "歯科診療所" | "歯科" | "dental-clinic" => Some(Self::DentalClinic),
            "薬局" | "保険薬局" | "pharmacy" => Some(Self::Pharmacy),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hospital => "hospital",
            Self::Clinic => "clinic",
            Self::DentalClinic => "dental-clinic",
            Self::Pharmacy => "pharmacy",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Hospital => "病院",
            Self::Clinic => "診療所",
            Self::DentalClinic => "歯科診療所",
            Self::Pharmacy => "薬局",
        }
    }

    /// The 点数表 a code of this kind carries (its third digit).
    pub fn score_table(self) -> ScoreTable {
        match self {
            Self::Hospital | Self::Clinic => ScoreTable::Medical,
            Self::DentalClinic => ScoreTable::Dental,
            Self::Pharmacy => ScoreTable::Pharmacy,
        }
    }

    /// Whether a facility of this kind may register as `category` (the portal's 施設区分,
    /// which decides the subsidy): a hospital only as a hospital, a clinic only as a clinic,
    /// a pharmacy as either kind of pharmacy.
    pub fn allows(self, category: FacilityCategory) -> bool {
        matches!(
            (self, category),
            (Self::Hospital, FacilityCategory::Hospital)
                | (Self::Clinic | Self::DentalClinic, FacilityCategory::Clinic)
                | (
                    Self::Pharmacy,
                    FacilityCategory::Pharmacy | FacilityCategory::LargeChainPharmacy
                )
        )
    }
}

/// A register row's code and 種別 agree (a pharmacy's code has 点数表 4, and so on).
pub fn check_kind(code: &FacilityCode, kind: RegisterKind) -> Result<(), String> {
    let table = code.score_table();
    if table == kind.score_table() {
        Ok(())
    } else {
        Err(format!(
            "種別 {} のコードは点数表 {} ですが、{} は点数表 {} です ({} codes carry score table {}, {} has {})",
            kind.label_ja(),
            kind.score_table().label(),
            code.as_str(),
            table.label(),
            kind.as_str(),
            kind.score_table().label(),
            code.as_str(),
            table.label(),
        ))
    }
}

/// The letters of activation codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, which read alike on paper.
const ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY3467";
const CODE_LEN: usize = 12;

/// A one-time activation code as printed on the letter (`ACDE-FGHJ-KMNP`).
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationCode(String);

impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationCode(…)")
    }
}

impl fmt::Display for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, rest) = self.0.split_at(4);
        let (b, c) = rest.split_at(4);
        write!(f, "{a}-{b}-{c}")
    }
}

impl ActivationCode {
    /// A code from random bytes (the caller draws them; the domain has no randomness).
    pub fn from_random(bytes: [u8; CODE_LEN]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect(),
        )
    }

    /// What a person typed: hyphens, spaces and full-width letters allowed, any case.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut code = String::with_capacity(CODE_LEN);
        for c in input.chars() {
            let c = match c {
                'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => {
                    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                }
                other => other,
            }
            .to_ascii_uppercase();
            match c {
                '-' | ' ' | '　' | 'ー' | '－' => {}
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => code.push(c),
                _ => {
                    return Err(
                        "確認コードは郵送された文書に印字された12文字です (the 12 characters printed on the letter)"
                            .into(),
                    );
                }
            }
        }
        if code.chars().count() == CODE_LEN {
            Ok(Self(code))
        } else {
            Err(format!(
                "確認コードは12文字です（{}文字入力されました） (the code has 12 characters, {} given)",
                code.chars().count(),
                code.chars().count()
            ))
        }
    }

    /// The code without hyphens (what is hashed and stored).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_codes_and_categories() {
        let pharmacy = FacilityCode::parse("1341234566").expect("pharmacy code");
        let clinic = FacilityCode::parse("1311234566").expect("clinic code");
        assert!(check_kind(&pharmacy, RegisterKind::Pharmacy).is_ok());
        let refused = check_kind(&pharmacy, RegisterKind::Hospital).expect_err("hospital");
        assert!(refused.contains("調剤"), "{refused}");
        assert!(check_kind(&clinic, RegisterKind::Hospital).is_ok());
        assert!(RegisterKind::Pharmacy.allows(FacilityCategory::LargeChainPharmacy));
        assert!(!RegisterKind::Pharmacy.allows(FacilityCategory::Hospital));
        assert!(!RegisterKind::Clinic.allows(FacilityCategory::Hospital));
        assert!(RegisterKind::DentalClinic.allows(FacilityCategory::Clinic));
        for kind in RegisterKind::ALL {
            assert_eq!(RegisterKind::parse(kind.label_ja()), Some(kind));
            assert_eq!(RegisterKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn activation_codes_read_back_as_typed() {
        let code = ActivationCode::from_random([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
        let printed = code.to_string();
        assert_eq!(printed.len(), 14);
        assert_eq!(ActivationCode::parse(&printed), Ok(code.clone()));
        let typed = printed.to_lowercase().replace('-', " ");
        assert_eq!(ActivationCode::parse(&typed), Ok(code.clone()));
        let wide: String = printed
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
        assert_eq!(ActivationCode::parse(&wide), Ok(code));
        assert!(ActivationCode::parse("ACDE-FGHJ").is_err());
        assert!(
            ActivationCode::parse("ACDE-FGHJ-KMN0").is_err(),
            "0 is not used"
        );
        assert!(!format!("{:?}", ActivationCode::parse("ACDEFGHJKMNP")).contains("ACDE"));
    }
}
