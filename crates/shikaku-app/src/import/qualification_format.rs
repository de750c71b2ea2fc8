//! The qualification file's rows (`insurer-import.md` §1): each field parsed into the
//! domain's codes, and the merge order of a batch.

use shikaku_domain::qualification::{parse_name_kana, parse_text};
use shikaku_domain::{
    Branch, CardNumber, CardNumbers, CardSymbol, CopayRatio, InsuredCategory, InsurerNumber,
    LimitCategory, MyNumber, Period, Qualification, Sex, SpecificDisease, parse_date,
};
use shikaku_store::StagedRow;

use super::{COLUMNS, RowFormat, RowParser};
use crate::secrets::PersonKey;

/// `insurer-import.md` §1.
pub(super) struct QualificationFormat {
    pub(super) key: PersonKey,
}

impl RowFormat for QualificationFormat {
    type Row = StagedRow;

    fn columns(&self) -> &'static [(&'static str, bool)] {
        &COLUMNS
    }

    fn parse(&self, row: &mut RowParser<'_>, line: u64) -> Option<StagedRow> {
        parse_qualification(row, line, &self.key)
    }

    /// The merge's order (`ORDER BY` of `Queries::insert_new`/`insert_all` and the staging
    /// index `import_staging_key`): card key, then 資格取得日. Stable, so equal keys keep the
    /// file's order. Only speed depends on the two agreeing.
    fn sort(batch: &mut [StagedRow]) {
        batch.sort_by(|a, b| merge_key(&a.qualification).cmp(&merge_key(&b.qualification)));
    }
}

fn merge_key(q: &Qualification) -> (&str, &str, &str, &str, time::Date) {
    let c = &q.card;
    (
        c.insurer.as_str(),
        c.symbol_str(),
        c.number.as_str(),
        c.branch.as_str(),
        q.period.from(),
    )
}

fn parse_qualification(row: &mut RowParser<'_>, line: u64, key: &PersonKey) -> Option<StagedRow> {
    let insurer = row.required(0, InsurerNumber::parse);
    let symbol = row
        .optional(1, CardSymbol::parse_optional)
        .map(Option::flatten);
    let number = row.required(2, CardNumber::parse);
    let branch = row.required(3, Branch::parse);
    let person_ref = row.required(4, |s| parse_text("person_ref", s, 64));
    let insured_category = row.required(5, InsuredCategory::parse);
    let name = row.required(6, |s| parse_text("氏名", s, 100));
    let name_kana = row.required(7, parse_name_kana);
    let sex = row.required(8, Sex::parse);
    // A birth date is personal data: its errors never repeat the value (they reach stderr
    // and logs).
    let birth_date = row.required(9, |v| {
        parse_date(v).map_err(|_| {
            "生年月日は YYYY-MM-DD 形式の実在する日付です（値は個人情報のため表示しません） (birth_date must be a real YYYY-MM-DD date; the value is not shown)"
        })
    });
    let from = row.required(10, parse_date);
    let until = row.optional(11, parse_date);
    let copay_ratio = row.required(12, CopayRatio::parse);
    let limit_category = row.optional(13, LimitCategory::parse);
    let specific_disease = row.optional(14, SpecificDisease::parse);
    let my_number = row.optional(15, MyNumber::parse);
    let period = match (from, until) {
        (Some(from), until) => match Period::new(from, until.flatten()) {
            Ok(p) => Some(p),
            Err(e) => {
                row.fail(11, e.to_string());
                None
            }
        },
        _ => None,
    };
    if let (Some(birth), Some(p)) = (birth_date, period)
        && p.from() < birth
    {
        row.fail(
            10,
            "資格取得年月日が生年月日より前です (qualified_from is before birth_date)".into(),
        );
    }
    // Every None below has recorded its error, so this only unpacks.
    let (Some(insurer), Some(number), Some(branch), Some(person_ref), Some(insured_category)) =
        (insurer, number, branch, person_ref, insured_category)
    else {
        return None;
    };
    let (Some(name), Some(name_kana), Some(sex), Some(birth_date), Some(period), Some(copay_ratio)) =
        (name, name_kana, sex, birth_date, period, copay_ratio)
    else {
        return None;
    };
    let (Some(symbol), Some(limit_category), Some(specific_disease), Some(my_number)) =
        (symbol, limit_category, specific_disease, my_number)
    else {
        return None;
    };
    let qualification = Qualification {
        card: CardNumbers {
            insurer,
            symbol,
            number,
            branch,
        },
        person_ref,
        insured_category,
        name,
        name_kana,
        sex,
        birth_date,
        period,
        copay_ratio,
        limit_category,
        specific_disease,
    };
    let my_number_hash = my_number.map(|n| key.my_number(&n));
    Some(StagedRow::new(line, qualification, my_number_hash))
}
