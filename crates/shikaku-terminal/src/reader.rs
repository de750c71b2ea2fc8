//! The face-authentication card reader (顔認証付きカードリーダー) emulator: the flow both the
//! CLI (`shikaku reader verify`) and the reader's local web page (`shikaku reader serve`) run.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{Value, json};
use shikaku_pki::jpki::{CardAuth, CardError, CardKey, VirtualCard, challenge_message};

/// Where the reader sends its requests: the centre's API and this terminal's certificate.
#[derive(Debug, Clone)]
pub struct Centre {
    pub api: String,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The receipt-computer interface folder: when set, each card check's result is pushed
    /// to `face/OQSsiquc01res_face_<医療機関コード>_<yyyyMMddHHmmss>.xml`.
    pub oqs_dir: Option<PathBuf>,
}

/// What the holder did at the reader.
#[derive(Debug, Clone)]
pub struct ReaderInput {
    pub card: PathBuf,
    pub auth: CardAuth,
    /// 初回登録: agrees to use the card as a health-insurance card.
    pub register: bool,
    pub consent_drugs: Option<bool>,
    pub consent_checkups: Option<bool>,
    /// 限度額・特定疾病 information for this visit.
    pub consent_limit: Option<bool>,
    /// 入院: consents last until discharge.
    pub inpatient: bool,
    pub as_of: Option<time::Date>,
}

/// The reader's flow, shared by `shikaku reader verify` and the reader's web page: confirm
/// the holder on the card, get a nonce, sign it, ask the centre. Refusals at the card (wrong
/// PIN, locked, tampered) are answers too.
pub async fn verify(centre: &Centre, input: &ReaderInput) -> anyhow::Result<Value> {
    let method = match input.auth {
        CardAuth::Pin(_) => "pin",
        CardAuth::FaceMatched => "face",
    };
    let (card, key) = match unlock_card(&input.card, &input.auth)? {
        Ok(unlocked) => unlocked,
        Err(answer) => return Ok(answer),
    };
    let client = crate::client::mtls_client(&centre.ca, &centre.cert, &centre.key, 1)?;
    let base = centre.api.trim_end_matches('/');
    let challenge: Value = send(&client, &format!("{base}/v1/card/challenge"), &json!({})).await?;
    let nonce_hex = challenge["nonce"]
        .as_str()
        .context("the centre sent no nonce")?;
    let nonce = hex::decode(nonce_hex).context("the centre's nonce is not hex")?;
    let signature = key.sign(&challenge_message(&nonce, method));
    let mut body = json!({
        "nonce": nonce_hex,
        "certificate": card.certificate_pem,
        "signature": hex::encode(signature),
        "method": method,
        "register": input.register,
        "consent_drugs": input.consent_drugs,
        "consent_checkups": input.consent_checkups,
        "consent_limit": input.consent_limit,
        "inpatient": input.inpatient,
    });
    if let Some(on) = input.as_of {
        body["as_of"] = shikaku_domain::date::format_date(on).into();
    }
    let answer = send(&client, &format!("{base}/v1/card/verify"), &body).await?;
    if let Some(dir) = &centre.oqs_dir {
        push_face_result(dir, &centre.cert, &answer)?;
    }
    Ok(answer)
}

/// The 医療機関等コード a terminal certificate (PEM file) was issued to.
pub fn certificate_facility(cert: &Path) -> anyhow::Result<String> {
    let pem = std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?;
    let der = {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        CertificateDer::from_pem_slice(&pem)
            .context("the terminal certificate is not PEM")?
            .to_vec()
    };
    Ok(shikaku_pki::identify(&der)?.facility_code)
}

/// Writes the card check's result for the receipt computer (xml-interface.md §3 B), when the
/// centre confirmed (or found no) qualification. Returns the file written.
pub fn push_face_result(
    dir: &Path,
    cert: &Path,
    answer: &Value,
) -> anyhow::Result<Option<PathBuf>> {
    use shikaku_xml::result::{self, Echo, PersonResult, ResultHeader, Segment};
    let status = answer["status"].as_str().unwrap_or_default();
    let (person_status, validity, code) = match status {
        "valid" => ("1", Some(1), None),
        "lost" => (
            "1",
            Some(2),
            Some(("OQR1004", "照会日時点で資格は喪失しています")),
        ),
        "not_yet" => (
            "1",
            Some(2),
            Some(("OQR1006", "照会日時点で資格はまだ有効ではありません")),
        ),
        "no_qualification" => (
            "2",
            Some(4),
            Some(("OQR1001", "該当する資格情報が存在しません")),
        ),
        // An error result without 資格有効性: no qualification is answered while the
        // insurer checks which person the rows belong to.
        "needs_review" => (
            "2",
            None,
            Some(("OQR1007", "資格情報の確認が必要です（保険者に照会中）")),
        ),
        _ => return Ok(None),
    };
    // The receipt computer shows the answer's own explanation when it has one.
    let explanation = answer["explanation"].as_str().filter(|e| !e.is_empty());
    let code = code.map(|(c, m)| (c, explanation.unwrap_or(m)));
    let facility = certificate_facility(cert)?;
    let now = time::OffsetDateTime::now_utc();
    let parse_time = |v: &Value| {
        v.as_str().and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
    };
    let until = parse_time(&answer["consent_expires_at"]);
    let consents: Vec<&str> = answer["consents"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let consent = |kind: &str| {
        until
            .filter(|_| consents.contains(&kind))
            .map(|until| (now, until))
    };
    let qualification = answer.get("qualification").map(|q| {
        let mut q = crate::agent::qualification(q);
        q.drugs_consent = consent("drugs");
        q.checkups_consent = consent("checkups");
        q.elderly = crate::agent::elderly(&answer["elderly_recipient"]);
        if consents.contains(&"limit") {
            q.limit_consent = Some(now);
        }
        q
    });
    let stamp = result::datetime14(now);
    let header = ResultHeader {
        executed_at: now,
        confirmation_date: answer["as_of"]
            .as_str()
            .and_then(|d| shikaku_domain::parse_date(d).ok()),
        facility_code: Some(facility.clone()),
        arbitrary_file_identifier: Some(format!("FR{stamp}")),
        reference_classification: Some("1"),
        reception_number: None,
        segment: Segment::Normal,
        error: None,
        counts: None,
        encoding: shikaku_xml::result::Encoding::Utf8,
    };
    let person = PersonResult {
        echo: Echo::Raw(Default::default()),
        status: person_status,
        code: code.map(|(c, m)| (c.to_string(), m.to_string())),
        validity,
        qualification,
    };
    let face = dir.join("face");
    std::fs::create_dir_all(&face)?;
    let name = format!("OQSsiquc01res_face_{facility}_{stamp}.xml");
    crate::agent::write_atomically(&face, &name, &result::face(&header, &person))?;
    Ok(Some(face.join(name)))
}

/// The chip's side: authenticate the holder on the card and save its retry counter. A
/// refusal at the card (wrong PIN, locked, tampered) is an answer, not an error.
pub fn unlock_card(
    path: &Path,
    auth: &CardAuth,
) -> anyhow::Result<Result<(VirtualCard, CardKey), Value>> {
    let mut card = VirtualCard::load(path)?;
    let result = card.authenticate(auth);
    // The chip's counter changes on every PIN attempt: save before anything else.
    card.save(path)
        .with_context(|| format!("saving the card's retry counter to {}", path.display()))?;
    match result {
        Ok(key) => Ok(Ok((card, key))),
        Err(e) => {
            let (status, remaining) = match e {
                CardError::WrongPin { remaining } => ("wrong_pin", Some(remaining)),
                CardError::Locked => ("locked", Some(0)),
                CardError::Tampered => ("tampered", None),
            };
            let mut answer = json!({"status": status, "message": e.to_string()});
            if let Some(remaining) = remaining {
                answer["remaining_attempts"] = remaining.into();
            }
            Ok(Err(answer))
        }
    }
}

pub async fn send(client: &reqwest::Client, url: &str, body: &Value) -> anyhow::Result<Value> {
    let response = client
        .post(url)
        .json(body)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = response.status();
    let value: Value = response
        .json()
        .await
        .with_context(|| format!("{url}: the answer is not JSON"))?;
    if !status.is_success() {
        anyhow::bail!(
            "{url}: {status}: {}",
            value["message"].as_str().unwrap_or("error")
        );
    }
    Ok(value)
}

/// The reader's screens, in Japanese (terminal output).
pub fn print_screens(answer: &Value) {
    let status = answer["status"].as_str().unwrap_or_default();
    println!("【顔認証付きカードリーダー】");
    println!("カードを置いてください … 読み取りました");
    match status {
        "wrong_pin" | "locked" | "tampered" => {
            println!("{}", answer["message"].as_str().unwrap_or_default());
            return;
        }
        _ => println!("本人確認ができました"),
    }
    if answer["registered_now"] == true {
        println!("健康保険証として利用登録しました（初回登録）");
    }
    if let Some(consents) = answer["consents"].as_array()
        && !consents.is_empty()
    {
        let names: Vec<&str> = consents
            .iter()
            .filter_map(|c| match c.as_str() {
                Some("drugs") => Some("薬剤情報"),
                Some("checkups") => Some("特定健診情報"),
                _ => None,
            })
            .collect();
        println!("同意しました: {}", names.join("・"));
    }
    println!("{}", answer["message"].as_str().unwrap_or_default());
    if let Some(e) = answer["explanation"].as_str().filter(|e| !e.is_empty())
        && answer["message"].as_str() != Some(e)
    {
        println!("{e}");
    }
    if let Some(q) = answer.get("qualification") {
        println!(
            "  保険者番号 {}  {}  負担割合 {}割  資格取得 {}  資格喪失 {}",
            q["insurer_number"].as_str().unwrap_or_default(),
            q["insurer_name"].as_str().unwrap_or_default(),
            q["copay_ratio"].as_u64().unwrap_or_default() / 10,
            q["qualified_from"].as_str().unwrap_or_default(),
            q["qualified_until"].as_str().unwrap_or("―"),
        );
    }
    println!("受付が完了しました。カードをお取りください");
}
