/// The character classes HF `tokenizers` uses, per scalar (its Rust code works on `char`s).
///
/// HF mixes Unicode versions: `char::is_whitespace`, `char::to_lowercase` and the byte-level
/// regex (Oniguruma) follow current Unicode, like Swift's tables, but the control, punctuation
/// and non-spacing-mark tests of BertNormalizer / BertPreTokenizer come from the
/// `unicode_categories` crate, whose tables are Unicode 8.0. So those tests only accept scalars
/// assigned by Unicode 8.0, and the few scalars whose category changed since are special-cased.
/// Swift's tables are Unicode 17.0, Oniguruma's 16.0. Checked against tokenizers 0.22.2 over
/// every scalar.
extension Unicode.Scalar {
    /// Assigned in Unicode 8.0 or earlier.
    var isAssignedByUnicode8: Bool {
        guard let age = properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// Assigned in Unicode 16.0 or earlier.
    var isAssignedByUnicode16: Bool {
        guard let age = properties.age else { return false }
        return age.major <= 16
    }

    /// BertNormalizer `clean_text` drops it: Cc, Cf or Co in Unicode 8.0, except `\t \n \r`.
    /// (`\v`, `\f` and U+0085 are White_Space but dropped, since the control test comes first.)
    var isBertControl: Bool {
        if value < 0x80 { return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F }
        switch properties.generalCategory {
        case .control, .privateUse: return true
        case .format: return isAssignedByUnicode8
        default: return false
        }
    }

    /// BertNormalizer / BertPreTokenizer whitespace: White_Space (Rust `char::is_whitespace`).
    var isBertWhitespace: Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return properties.isWhitespace
    }

    /// BertPreTokenizer splits it off as a word of its own: ASCII punctuation (which includes
    /// the symbols `$ + < = > ^ \` | ~`) or a P* scalar of Unicode 8.0.
    var isBertPunctuation: Bool {
        if value < 0x80 {
            return (value >= 0x21 && value <= 0x2F) || (value >= 0x3A && value <= 0x40)
                || (value >= 0x5B && value <= 0x60) || (value >= 0x7B && value <= 0x7E)
        }
        // Po in Unicode 8.0, since re-categorized: SHARADA SANDHI MARK (now Mn), CANADIAN SYLLABICS CHI SIGN (now So).
        if value == 0x111C9 || value == 0x166D { return true }
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isAssignedByUnicode8
        default:
            return false
        }
    }

    /// BertNormalizer `strip_accents` drops it after NFD: Mn in Unicode 8.0.
    var isBertAccent: Bool {
        if value < 0x300 { return false }
        switch value {
        case 0x1734, 0x1171E: return true  // Mn in Unicode 8.0, Mc now
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // Lo, Lo, Mc, Po in Unicode 8.0; Mn now
        default: return properties.generalCategory == .nonspacingMark && isAssignedByUnicode8
        }
    }

    /// BertNormalizer `handle_chinese_chars` puts spaces around it: the CJK Unified Ideographs
    /// blocks and extensions A–F plus the compatibility ideographs, as BERT's `_is_chinese_char`.
    var isCJKIdeograph: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// The classes of GPT-2's pre-tokenizer regex: `\p{L}`, `\p{N}`, `\s`, and everything else.
    /// HF's Oniguruma has Unicode 16.0 tables, so a letter or number added later is "else".
    var byteLevelClass: ByteLevelClass {
        if value < 0x80 {
            if (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) { return .letter }
            if value >= 0x30 && value <= 0x39 { return .number }
            if value == 0x20 || (value >= 0x09 && value <= 0x0D) { return .whitespace }
            return .other
        }
        let p = properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return isAssignedByUnicode16 ? .letter : .other
        case .decimalNumber, .letterNumber, .otherNumber:
            return isAssignedByUnicode16 ? .number : .other
        default:
            return p.isWhitespace ? .whitespace : .other
        }
    }

    /// Rust regex `\w` (Alphabetic, marks, decimal digits, connector punctuation, join controls):
    /// a `single_word` added token must not touch one.
    var isWordCharacter: Bool {
        let p = properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}

/// A scalar's class in GPT-2's pre-tokenizer regex.
enum ByteLevelClass {
    case letter, number, whitespace, other
}
