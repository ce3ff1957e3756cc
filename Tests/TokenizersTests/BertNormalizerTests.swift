import Testing
@testable import Tokenizers

/// BertNormalizer and BertPreTokenizer pieces. Oracle: HF tokenizers 0.22.2 `normalize_str` /
/// `pre_tokenize_str` outputs, copied here (the scalar classes were also compared with HF over
/// every Unicode scalar during development).
@Suite struct BertNormalizerTests {
    static let uncased = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true)

    func normalize(_ text: String, _ normalizer: BertNormalizer = uncased) -> String {
        let scalars = Array(text.unicodeScalars)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: normalizer.normalize(scalars, scalars.indices))
        return String(view)
    }

    @Test func cleansPadsStripsAndLowercases() {
        #expect(normalize("H\u{E9}llo\tW\u{D6}RLD\u{200B}!") == "hello world!")
        #expect(normalize("\u{4E2D}\u{6587}x") == " \u{4E2D}  \u{6587} x")
        #expect(normalize("\u{130}stanbul \u{3A3}") == "istanbul \u{3C3}")
        #expect(normalize("null\u{0}byte\u{FFFD}\u{85}x") == "nullbytex")
        #expect(normalize("\u{FB01} \u{BD}") == "\u{FB01} \u{BD}")  // compatibility forms stay (NFD, not NFKD)
        #expect(normalize("\u{1734}x") == "x")  // HANUNOO SIGN PAMUDPOD: Mn in Unicode 8.0, Mc now
        let nonCharacter = String(Unicode.Scalar(0xFDD0)!)  // Swift literals refuse noncharacters
        #expect(normalize(nonCharacter + "\u{E000}") == nonCharacter)  // noncharacters stay, private use goes
    }

    @Test func casedKeepsCaseAndAccents() {
        let cased = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false)
        #expect(normalize("Caf\u{E9} \u{C9}COLE", cased) == "Caf\u{E9} \u{C9}COLE")
    }

    @Test func preTokenizerSplitsOnWhitespaceAndPunctuation() {
        let text = Array("a$b+c<d=e>f^g`h|i~j\u{A7}k\u{B6}l\u{2E43}m\u{2E50}n  o".unicodeScalars)
        var words: [String] = []
        BertPreTokenizer.forEachWord(in: text, text.indices) { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: text[range])
            words.append(String(view))
        }
        // U+2E43 is Po since Unicode 9.0, too new for HF's tables.
        #expect(words == ["a", "$", "b", "+", "c", "<", "d", "=", "e", ">", "f", "^", "g", "`", "h", "|", "i", "~", "j",
                          "\u{A7}", "k", "\u{B6}", "l\u{2E43}m\u{2E50}n", "o"])
    }
}
