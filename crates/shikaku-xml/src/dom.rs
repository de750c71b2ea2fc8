//! A small element tree read with quick-xml's streaming reader: names, text and children,
//! no attributes or namespaces (the interface has none). The encoding comes from the XML
//! declaration (UTF-8 by default, Shift_JIS as Windows-31J).

use quick_xml::events::Event;

/// The largest request file accepted (xml-interface.md §2.4.9).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
const MAX_DEPTH: usize = 16;
/// The most elements in one request: a full 一括照会 (10,000 persons × 9 elements) fits
/// with room to spare; a file of millions of empty elements is refused before it is built.
pub const MAX_ELEMENTS: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            text: String::new(),
            children: Vec::new(),
        }
    }

    /// Children with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomError {
    #[error(
        "ファイルが大きすぎます: {size} バイト（上限 20MiB） (file is {size} bytes, over 20 MiB)"
    )]
    TooLarge { size: usize },
    #[error(
        "文字コード {0} には対応していません (unsupported encoding {0}; use UTF-8 or Shift_JIS)"
    )]
    Encoding(String),
    #[error("{0} として読めない文字があります (invalid bytes for the declared encoding {0})")]
    Decode(String),
    #[error(
        "XML宣言に文字コードの指定がなく、UTF-8 としても読めません。encoding=\"Shift_JIS\" などを宣言してください (no encoding declared and the bytes are not UTF-8)"
    )]
    Undeclared,
    #[error("要素が多すぎます（上限 {MAX_ELEMENTS} 個） (more than {MAX_ELEMENTS} elements)")]
    TooMany,
    #[error(
        "XMLとして読めません（{position}バイト目付近）: {message} (not well-formed XML near byte {position})"
    )]
    Syntax { position: u64, message: String },
    #[error("要素の入れ子が深すぎます (elements nested deeper than {MAX_DEPTH})")]
    TooDeep,
    #[error("ルート要素がありません (no root element)")]
    Empty,
    #[error("ルート要素の後に内容があります (content after the root element)")]
    Trailing,
    #[error("属性は使えません: {path} (attributes are not part of the interface)")]
    Attribute { path: String },
}

/// The encoding named in the XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head);
    let decl = head.strip_prefix('\u{feff}').unwrap_or(&head);
    let decl = decl.trim_start();
    if !decl.starts_with("<?xml") {
        return None;
    }
    let end = decl.find("?>")?;
    let decl = &decl[..end];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = rest[quote.len_utf8()..].split(quote).next()?;
    Some(value.to_string())
}

/// Decodes to UTF-8 text following the declaration.
pub fn decode(bytes: &[u8]) -> Result<String, DomError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(DomError::TooLarge { size: bytes.len() });
    }
    // A byte-order mark names the encoding whatever the declaration says (XML 1.0 §F.1).
    for (bom, decoder) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = decoder.decode_without_bom_handling(rest);
            if had_errors {
                return Err(DomError::Decode(decoder.name().into()));
            }
            return Ok(text.into_owned());
        }
    }
    if bytes.len() >= 2 && (bytes[0] == 0 || bytes[1] == 0) {
        // `<` as UTF-16 without a byte-order mark.
        return Err(DomError::Encoding(
            "UTF-16（BOMなし） (UTF-16 without a byte-order mark)".into(),
        ));
    }
    let declared = declared_encoding(bytes);
    let encoding = declared.clone().unwrap_or_else(|| "UTF-8".into());
    let normalized = encoding.to_ascii_lowercase().replace('_', "-");
    let decoder = match normalized.as_str() {
        "utf-8" | "utf8" => encoding_rs::UTF_8,
        "shift-jis" | "sjis" | "windows-31j" | "cp932" | "ms932" => encoding_rs::SHIFT_JIS,
        _ => return Err(DomError::Encoding(encoding)),
    };
    let bytes = if decoder == encoding_rs::UTF_8 {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        bytes
    };
    let (text, had_errors) = decoder.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(match declared {
            Some(d) => DomError::Decode(d),
            None => DomError::Undeclared,
        });
    }
    Ok(text.into_owned())
}

/// Parses a whole document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, DomError> {
    let text = decode(bytes)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    let syntax = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| DomError::Syntax {
        position: reader.buffer_position(),
        message: e.to_string(),
    };
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, &e))?;
        let opened = match &event {
            Event::Start(start) => Some((start, false)),
            Event::Empty(start) => Some((start, true)),
            _ => None,
        };
        if let Some((start, is_empty)) = opened {
            {
                if root.is_some() {
                    return Err(DomError::Trailing);
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(DomError::TooMany);
                }
                let name = start.name().as_ref().to_string();
                let element = Element::new(&name);
                if start.attributes().next().is_some() {
                    let mut path: Vec<&str> = stack.iter().map(|e| e.name.as_str()).collect();
                    path.push(&name);
                    return Err(DomError::Attribute {
                        path: format!("/{}", path.join("/")),
                    });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(DomError::TooDeep);
                }
                if is_empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root = Some(element),
                    }
                } else {
                    stack.push(element);
                }
            }
            continue;
        }
        match event {
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(syntax(&reader, &"unexpected end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::GeneralRef(r) => {
                let value = match r.resolve_char_ref().map_err(|e| syntax(&reader, &e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.xml10_content();
                        match name.as_ref() {
                            "amp" => "&".to_string(),
                            "lt" => "<".to_string(),
                            "gt" => ">".to_string(),
                            "quot" => "\"".to_string(),
                            "apos" => "'".to_string(),
                            other => {
                                return Err(syntax(&reader, &format!("unknown entity &{other};")));
                            }
                        }
                    }
                };
                match stack.last_mut() {
                    Some(e) => e.text.push_str(&value),
                    None => return Err(syntax(&reader, &"text outside the root element")),
                }
            }
            Event::Text(t) => {
                let value = t.xml10_content();
                if value.trim().is_empty() {
                    // Indentation between elements; a real value is never only spaces.
                    continue;
                }
                match stack.last_mut() {
                    Some(e) => e.text.push_str(&value),
                    None if value.trim().is_empty() => {}
                    None => return Err(syntax(&reader, &"text outside the root element")),
                }
            }
            Event::CData(t) => {
                let value = t.xml10_content().into_owned();
                if let Some(e) = stack.last_mut() {
                    e.text.push_str(&value);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(DomError::Syntax {
            position: text.len() as u64,
            message: format!(
                "<{}> is not closed",
                stack.last().map_or("", |e| e.name.as_str())
            ),
        });
    }
    root.ok_or(DomError::Empty)
}
