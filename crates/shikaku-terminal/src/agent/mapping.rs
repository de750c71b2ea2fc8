//! The centre's JSON answers as the result file's types: the lookup body sent, a person's
//! result, the qualification and its 高齢受給者証.

use super::*;

pub(super) fn lookup_body(s: &SearchInfo, as_of: Option<time::Date>) -> Value {
    let mut body = json!({
        "insurer_number": s.insurer_number.trim(),
        "symbol": s.symbol,
        "number": s.number,
        "branch": s.branch,
        "birth_date": shikaku_domain::date::format_date(s.birthdate),
    });
    if let Some(d) = as_of {
        body["as_of"] = shikaku_domain::date::format_date(d).into();
    }
    body
}

/// Maps the centre's answer (`/v1/eligibility` JSON) to a person's result. 限度額・特定疾病
/// information is written when the request's `LimitApplicationCertificateRelatedConsFlg` is 1
/// (the patient consented at the counter, now).
pub(super) fn person_result(echo: Echo, v: &Value) -> PersonResult {
    let limit_consent = match &echo {
        Echo::Parsed(s) => s.limit_consent == "1",
        Echo::Raw(_) => false,
    };
    if let Some(error) = v.get("error") {
        let message = error["message"]
            .as_str()
            .or(v["message"].as_str())
            .unwrap_or("入力に誤りがあります");
        return PersonResult {
            echo,
            status: "2",
            code: Some(("OQR2002".into(), message.to_string())),
            validity: None,
            qualification: None,
        };
    }
    let status = v["status"].as_str().unwrap_or_default();
    // A linkage under review answers no qualification, so no 資格有効性 either.
    let validity = v["validity_code"]
        .as_u64()
        .map(|c| c as u8)
        .filter(|_| status != "needs_review");
    let code = match status {
        "no_match" => Some(("OQR1001", "該当する資格情報が存在しません")),
        "multiple" => Some(("OQR1003", "複数の資格情報が該当しました")),
        "lost" => Some(("OQR1004", "照会日時点で資格は喪失しています")),
        "lost_newer" => Some(("OQR1005", "新しい資格があります")),
        "not_yet" => Some(("OQR1006", "照会日時点で資格はまだ有効ではありません")),
        "needs_review" => Some(("OQR1007", "資格情報の確認が必要です（保険者に照会中）")),
        _ => None,
    };
    // The message the receipt computer shows is the answer's own explanation when it has
    // one (what happened, what to check, how old the insurer's data is).
    let explanation = v["explanation"].as_str().filter(|e| !e.is_empty());
    let code = code.map(|(c, m)| (c, explanation.unwrap_or(m)));
    let person_status = if matches!(status, "no_match" | "multiple" | "needs_review") {
        "2"
    } else {
        "1"
    };
    PersonResult {
        echo,
        status: person_status,
        code: code.map(|(c, m)| (c.to_string(), m.to_string())),
        validity,
        qualification: v.get("qualification").map(|q| {
            let mut q = qualification(q);
            q.loss_reason = v["loss_reason"].as_str().map(str::to_string);
            q.elderly = elderly(&v["elderly_recipient"]);
            if limit_consent {
                q.limit_consent = Some(OffsetDateTime::now_utc());
            }
            q
        }),
    }
}

/// `elderly_recipient` of an answer as the result's 高齢受給者証.
pub(crate) fn elderly(v: &Value) -> Option<xml_result::Elderly> {
    let date = |k: &str| {
        v[k].as_str()
            .and_then(|d| shikaku_domain::parse_date(d).ok())
    };
    Some(xml_result::Elderly {
        valid_from: date("valid_from")?,
        valid_until: date("valid_until"),
        ratio: format!("{:03}", v["copay_ratio"].as_u64()?),
    })
}

pub(crate) fn qualification(q: &Value) -> Qualification {
    let text = |k: &str| q[k].as_str().unwrap_or_default().to_string();
    let date = |k: &str| {
        q[k].as_str()
            .and_then(|d| shikaku_domain::parse_date(d).ok())
    };
    Qualification {
        insurer_number: text("insurer_number"),
        symbol: text("symbol"),
        number: text("number"),
        branch: text("branch"),
        personal_family: q["insured_category"]
            .as_u64()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        name: text("name"),
        name_kana: text("name_kana"),
        sex: q["sex"].as_u64().map(|c| c.to_string()).unwrap_or_default(),
        birthdate: date("birth_date"),
        qualification_date: date("qualified_from"),
        disqualification_date: date("qualified_until"),
        contribution_ratio: q["copay_ratio"]
            .as_u64()
            .map(|r| format!("{r:03}"))
            .unwrap_or_default(),
        insurer_name: text("insurer_name"),
        limit_flag: q["limit_category"].as_str().map(str::to_string),
        limit_consent: None,
        loss_reason: None,
        elderly: None,
        specific_disease: q["specific_disease"].as_u64().map(|d| d.to_string()),
        checkups_consent: None,
        drugs_consent: None,
    }
}
