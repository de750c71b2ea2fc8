//! C requests, 一括照会: the upload sent to `/v1/batches` (the persons kept in `journal/`
//! until the download), and the download answered in input order.

use super::*;

/// One request being answered: how to reach the centre, and the request file's bytes.
pub(super) struct Ask<'a> {
    pub client: &'a reqwest::Client,
    pub config: &'a AgentConfig,
    pub folders: &'a Folders,
    pub base: &'a str,
    pub idempotency: &'a str,
    pub bytes: &'a [u8],
}

/// The header of a download request.
pub(super) struct Download {
    pub facility_code: String,
    pub arbitrary_file_identifier: Option<String>,
    pub reception_number: String,
}

/// `OQSmuquc01`: the persons to the centre as one batch; the receipt carries its id.
pub(super) async fn bulk_upload(
    ask: &Ask<'_>,
    h: shikaku_xml::request::Header,
    searches: Vec<shikaku_xml::request::SearchEntry>,
) -> anyhow::Result<Option<(Vec<u8>, Option<String>)>> {
    let Ask {
        client,
        config,
        folders,
        base,
        idempotency,
        bytes,
    } = *ask;
    let items: Vec<Value> = searches
        .iter()
        .map(|s| match s {
            Ok(search) => lookup_body(search, Some(h.confirmation_date)),
            // Refused locally; the centre refuses it too and keeps the order.
            Err(_) => json!({"insurer_number": "", "number": "", "birth_date": ""}),
        })
        .collect();
    let body = json!({ "items": items });
    let receipt = match send(
        client,
        config.request_timeout,
        "POST",
        &format!("{base}/v1/batches"),
        idempotency,
        Some(&body),
    )
    .await
    {
        Centre::Retry(_) => return Ok(None),
        Centre::Answer(202, v) => v,
        Centre::Answer(status, v) => {
            return Ok(Some((
                file_error(config, bytes, "OQR9999", &refusal(status, &v)),
                None,
            )));
        }
    };
    let id = receipt["id"].as_str().unwrap_or_default().to_string();
    let journal = Journal {
        confirmation_date: shikaku_xml::result::date8(h.confirmation_date),
        facility_code: h.facility_code.clone(),
        arbitrary_file_identifier: h.arbitrary_file_identifier.clone(),
        searches: searches
            .iter()
            .map(|s| match s {
                Ok(search) => JournalEntry::Ok(search_fields(search)),
                Err((raw, problem)) => JournalEntry::Refused {
                    fields: raw.fields.clone(),
                    code: problem.code.to_string(),
                    message: problem.to_string(),
                },
            })
            .collect(),
    };
    write_atomically(
        &folders.journal,
        &format!("{id}.json"),
        &serde_json::to_vec(&journal).unwrap_or_default(),
    )?;
    let head = header(
        config,
        None,
        Some(h.facility_code),
        h.arbitrary_file_identifier,
    );
    Ok(Some((
        xml_result::bulk_receipt(&head, &id, OffsetDateTime::now_utc()),
        None,
    )))
}

/// `OQSmuquc02`: the batch's results, or 処理中 while the centre is still working.
pub(super) async fn bulk_download(
    ask: &Ask<'_>,
    d: Download,
) -> anyhow::Result<Option<(Vec<u8>, Option<String>)>> {
    let Ask {
        client,
        config,
        folders,
        base,
        idempotency,
        bytes,
    } = *ask;
    let Download {
        facility_code,
        arbitrary_file_identifier,
        reception_number,
    } = d;
    let journal_path = folders.journal.join(format!("{reception_number}.json"));
    let journal: Option<Journal> = std::fs::read(&journal_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut head = header(config, None, Some(facility_code), arbitrary_file_identifier);
    head.reception_number = Some(reception_number.clone());
    head.reference_classification = Some("2");
    let Some(journal) = journal else {
        return Ok(Some((
            file_error(config, bytes, "OQR9004", "受付番号が存在しません"),
            None,
        )));
    };
    head.confirmation_date = shikaku_xml::request::parse_date8(&journal.confirmation_date);
    // The download request carries only the facility; the upload's identifier comes back.
    if head.arbitrary_file_identifier.is_none() {
        head.arbitrary_file_identifier = journal.arbitrary_file_identifier.clone();
    }
    let url = format!("{base}/v1/batches/{reception_number}");
    let wait_until = Instant::now() + BULK_WAIT;
    let answer = loop {
        let answer = send(
            client,
            config.request_timeout,
            "GET",
            &url,
            idempotency,
            None,
        )
        .await;
        match &answer {
            Centre::Answer(200, v) if v["status"] != "done" && Instant::now() < wait_until => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            _ => break answer,
        }
    };
    let v = match answer {
        Centre::Retry(_) => return Ok(None),
        Centre::Answer(200, v) => v,
        Centre::Answer(404, _) => {
            return Ok(Some((
                file_error(config, bytes, "OQR9004", "受付番号が存在しません"),
                None,
            )));
        }
        Centre::Answer(status, v) => {
            return Ok(Some((
                file_error(config, bytes, "OQR9999", &refusal(status, &v)),
                None,
            )));
        }
    };
    if v["status"] != "done" {
        head.segment = Segment::Processing;
        return Ok(Some((xml_result::bulk_result(&head, &[]), None)));
    }
    // Each result by its input index (one pass, not a search per person).
    let mut by_index: Vec<Option<&Value>> = vec![None; journal.searches.len()];
    for r in v["results"].as_array().into_iter().flatten() {
        if let Some(slot) = r["index"]
            .as_u64()
            .and_then(|i| by_index.get_mut(i as usize))
        {
            *slot = Some(r);
        }
    }
    let units: Vec<PersonResult> = journal
        .searches
        .iter()
        .enumerate()
        .map(|(i, entry)| match entry {
            JournalEntry::Refused {
                fields,
                code,
                message,
            } => PersonResult {
                echo: Echo::Raw(shikaku_xml::request::RawSearch {
                    fields: fields.clone(),
                }),
                status: "2",
                code: Some((code.clone(), message.clone())),
                validity: None,
                qualification: None,
            },
            JournalEntry::Ok(fields) => {
                let search = search_from_fields(fields);
                let answer = by_index.get(i).copied().flatten();
                match (search, answer) {
                    (Some(search), Some(a)) => person_result(Echo::Parsed(search.clone()), a),
                    _ => PersonResult {
                        echo: Echo::Raw(shikaku_xml::request::RawSearch {
                            fields: fields.clone(),
                        }),
                        status: "2",
                        code: Some(("OQR9999".into(), "システムエラーが発生しました".into())),
                        validity: None,
                        qualification: None,
                    },
                }
            }
        })
        .collect();
    let errors = units.iter().filter(|u| u.status != "1").count();
    head.counts = Some((units.len(), units.len() - errors, errors));
    Ok(Some((xml_result::bulk_result(&head, &units), None)))
}

/// What the agent keeps between a bulk upload and its download: the persons as sent.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    confirmation_date: String,
    facility_code: String,
    arbitrary_file_identifier: Option<String>,
    searches: Vec<JournalEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
enum JournalEntry {
    Ok(Vec<(String, String)>),
    Refused {
        fields: Vec<(String, String)>,
        code: String,
        message: String,
    },
}

fn search_fields(s: &SearchInfo) -> Vec<(String, String)> {
    vec![
        ("InsurerNumber".into(), s.insurer_number.clone()),
        ("InsuredCardSymbol".into(), s.symbol.clone()),
        ("InsuredIdentificationNumber".into(), s.number.clone()),
        ("InsuredBranchNumber".into(), s.branch.clone()),
        ("Birthdate".into(), shikaku_xml::result::date8(s.birthdate)),
        (
            "LimitApplicationCertificateRelatedConsFlg".into(),
            s.limit_consent.clone(),
        ),
        (
            "ArbitraryIdentifier".into(),
            s.arbitrary_identifier.clone().unwrap_or_default(),
        ),
    ]
}

fn search_from_fields(fields: &[(String, String)]) -> Option<SearchInfo> {
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Some(SearchInfo {
        insurer_number: get("InsurerNumber"),
        symbol: get("InsuredCardSymbol"),
        number: get("InsuredIdentificationNumber"),
        branch: get("InsuredBranchNumber"),
        birthdate: shikaku_xml::request::parse_date8(&get("Birthdate"))?,
        limit_consent: get("LimitApplicationCertificateRelatedConsFlg"),
        arbitrary_identifier: Some(get("ArbitraryIdentifier")).filter(|a| !a.is_empty()),
    })
}
