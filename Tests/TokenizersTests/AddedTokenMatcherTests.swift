import Testing
@testable import Tokenizers

/// Added-token flags. Oracle: HF tokenizers 0.22.2 with `AddedToken("qq", single_word=True)` and
/// `AddedToken("<m>", lstrip=True, rstrip=True)` added to tiny-gpt2 (which tokens came out whole).
@Suite struct AddedTokenMatcherTests {
    let matcher = AddedTokenMatcher([
        AddedToken(id: 300, content: "qq", singleWord: true, normalized: false, special: false),
        AddedToken(id: 301, content: "<m>", lstrip: true, rstrip: true, normalized: false, special: false),
        AddedToken(id: 302, content: "<m>x", normalized: false, special: false),
    ])

    func split(_ text: String) -> [TextSegment] {
        let scalars = Array(text.unicodeScalars)
        return matcher.split(scalars, scalars.indices)
    }

    @Test func singleWordTokensMatchOnlyOutsideWords() {
        #expect(split("qq") == [.token(300)])
        #expect(split(" qq ") == [.text(0..<1), .token(300), .text(3..<4)])
        #expect(split("-qq") == [.text(0..<1), .token(300)])
        for inside in ["aqq", "qqa", "_qq", "\u{E9}qq", "1qq", "\u{301}qq", "qq\u{E9}"] {
            #expect(split(inside) == [.text(0..<inside.unicodeScalars.count)], "\(inside)")
        }
    }

    @Test func strippingTokensTakeTheWhitespaceAround() {
        #expect(split("a  <m>  b") == [.text(0..<1), .token(301), .text(8..<9)])
        #expect(split("<m> <m>") == [.token(301), .token(301)])
        #expect(split("a\t<m>\nb") == [.text(0..<1), .token(301), .text(6..<7)])
    }

    @Test func theLongestTokenAtTheLeftmostPositionWins() {
        #expect(split("<m>x<m>") == [.token(302), .token(301)])
        #expect(split("") == [])
    }
}
