import Testing
@testable import Tokenizers

/// GPT-2's byte map and pre-tokenizer. Oracle: HF tokenizers 0.22.2
/// `pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str` outputs, copied here.
@Suite struct ByteLevelTests {
    @Test func byteMapIsGPT2s() {
        #expect(Set(ByteLevel.scalars).count == 256)
        #expect(ByteLevel.scalars[0x20] == "\u{120}")  // Ġ
        #expect(ByteLevel.scalars[0x0A] == "\u{10A}")  // Ċ
        #expect(ByteLevel.scalars[0x21] == "!")
        #expect(ByteLevel.scalars[0xAD] == "\u{143}")  // soft hyphen, the last unprintable byte
        for b in 0..<256 { #expect(ByteLevel.byte(for: ByteLevel.scalars[b]) == UInt8(b)) }
        #expect(ByteLevel.byte(for: "\u{20}") == nil)
        #expect(ByteLevel.string(" caf\u{E9}".utf8) == "\u{120}caf\u{C3}\u{A9}")
    }

    func pieces(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var out: [String] = []
        ByteLevelPreTokenizer.forEachPiece(in: scalars, scalars.indices) { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            out.append(String(view))
        }
        return out
    }

    @Test func preTokenizerFollowsGPT2sRegex() {
        #expect(pieces("Hello world") == ["Hello", " world"])
        #expect(pieces("I'm  fine's 'tis") == ["I", "'m", " ", " fine", "'s", " '", "tis"])
        #expect(pieces("a  b\t\tc \n") == ["a", " ", " b", "\t", "\t", "c", " \n"])
        #expect(pieces("x123 45.6") == ["x", "123", " 45", ".", "6"])
        #expect(pieces("e\u{301}t\u{E9} caf\u{E9}") == ["e", "\u{301}", "t\u{E9}", " caf\u{E9}"])
        #expect(pieces(" !!? ok") == [" !!?", " ok"])
        #expect(pieces("\u{4E2D}\u{6587} \u{1F600}") == ["\u{4E2D}\u{6587}", " \u{1F600}"])
        #expect(pieces("").isEmpty)
    }
}
