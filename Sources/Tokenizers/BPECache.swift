import Foundation

/// Word → ids, shared by the threads that encode with one tokenizer. Stops growing at
/// `capacity` words, as HF's cache does.
final class BPECache: @unchecked Sendable {
    private let lock = NSLock()
    private var words: [[UInt8]: [Int]] = [:]
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    subscript(word: [UInt8]) -> [Int]? {
        get { lock.withLock { words[word] } }
        set {
            lock.withLock {
                if words.count < capacity { words[word] = newValue }
            }
        }
    }
}
