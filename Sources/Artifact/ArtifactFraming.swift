import TensorCore

/// The preamble and footer of a mapped artifact, checked against the file's length before any
/// offset in them is used. See `ArtifactLayout` for the byte layout.
struct ArtifactFraming {
    let file: MappedFile
    let path: String
    let preamble: ArtifactLayout.Preamble
    let footer: ArtifactLayout.Footer
    let manifestRange: Range<Int>
    let dataRange: Range<Int>
    var dataBytes: Int { dataRange.count }

    init(file: MappedFile, path: String) throws(ArtifactError) {
        typealias L = ArtifactLayout
        self.file = file
        self.path = path
        let n = file.count
        let head = file.withBytes(in: 0..<min(n, L.preambleSize)) { Array($0) }
        let magicSeen = head.count >= L.magic.count ? Array(head[0..<L.magic.count]) == L.magic
            : !head.isEmpty && L.magic.starts(with: head)
        guard magicSeen else { throw .notAnArtifact(path: path) }
        guard n >= L.preambleSize else {
            throw .truncated(path: path, expected: L.preambleSize + L.footerSize, actual: n)
        }
        let preamble = L.Preamble(head)
        guard ArtifactManifest.readableFormatVersions.contains(Int(preamble.version)) else {
            throw .unsupportedVersion(path: path, found: Int(preamble.version), supported: ArtifactManifest.currentFormatVersion)
        }
        guard preamble.flags == 0 else { throw .unsupportedFlags(path: path, flags: preamble.flags) }
        self.preamble = preamble
        // Least length the preamble implies; saturates instead of overflowing.
        let frameBytes = preamble.manifestFrameBytes > UInt64(n) ? n + 1 : Int(preamble.manifestFrameBytes)
        let dataStart = L.dataStart(version: preamble.version, manifestFrameBytes: frameBytes)
        let minimum = dataStart + L.footerSize
        let manifestRange = L.preambleSize..<(L.preambleSize + frameBytes)
        self.manifestRange = manifestRange
        let tail = n >= L.footerSize ? file.withBytes(in: (n - L.footerSize)..<n) { Array($0) } : []
        guard n >= minimum, Array(tail.suffix(L.endMagic.count)) == L.endMagic else {
            // Cut short, most likely: say how long the file should be, exactly if the manifest reads.
            let expected = n >= L.preambleSize + frameBytes ? Self.expectedLength(file, preamble, manifestRange, dataStart: dataStart) : nil
            let length = expected ?? (preamble.manifestFrameBytes > UInt64(n) ? Self.saturated(preamble) : minimum)
            if length > n { throw .truncated(path: path, expected: length, actual: n) }
            throw .corruptFooter(path: path, reason: "the file does not end with the end marker PAREEND")
        }
        let footer = L.Footer(tail)
        self.footer = footer
        guard footer.totalBytes == UInt64(n) else {
            throw .corruptFooter(path: path, reason: "it declares a \(footer.totalBytes)-byte file but the file has \(n) bytes")
        }
        let dataBytes = n - minimum
        guard footer.dataBytes == UInt64(dataBytes) else {
            throw .corruptFooter(path: path, reason: "it declares a \(footer.dataBytes)-byte data section but \(dataBytes) bytes lie between the manifest and the footer")
        }
        dataRange = dataStart..<(dataStart + dataBytes)
        let padding = manifestRange.upperBound..<dataStart
        guard file.withBytes(in: padding, { $0.allSatisfy { $0 == 0 } }) else {
            throw .corruptManifest(path: path, reason: "the \(padding.count) bytes between its frame and the data section are not all zero")
        }
    }

    /// Decodes the manifest: its declared size D at most 256 MiB and 32768 · M (`Zstd.maxExpansion`),
    /// the frame's header recording D, memory bounded by what the frame really decodes to;
    /// checked against the footer's SHA-256, then parsed.
    func manifest() throws(ArtifactError) -> ArtifactManifest {
        let json = try Self.decodeManifestBytes(file, preamble, manifestRange, path: path)
        let digest = SHA256Hex.digest(json)
        guard digest == footer.manifestSHA256 else {
            throw .corruptManifest(path: path, reason: "its SHA-256 \(SHA256Hex.hex(digest)) differs from the footer's \(SHA256Hex.hex(footer.manifestSHA256))")
        }
        let manifest: ArtifactManifest
        switch ManifestCoding.decode(ArtifactManifest.self, from: json) {
        case let .success(m): manifest = m
        case let .failure(f): throw .corruptManifest(path: path, reason: f.reason)
        }
        guard manifest.formatVersion == Int(preamble.version) else {
            throw .corruptManifest(path: path, reason: "it says format version \(manifest.formatVersion), the preamble \(preamble.version)")
        }
        return manifest
    }

    static func decodeManifestBytes(_ file: MappedFile, _ preamble: ArtifactLayout.Preamble, _ range: Range<Int>,
                                    path: String) throws(ArtifactError) -> [UInt8] {
        guard preamble.manifestBytes <= UInt64(ArtifactLayout.maxManifestBytes) else {
            throw .corruptManifest(path: path, reason: "it declares \(preamble.manifestBytes) bytes, more than the \(ArtifactLayout.maxManifestBytes >> 20) MiB limit")
        }
        guard Zstd.canDecode(Int(preamble.manifestBytes), from: range.count) else {
            throw .corruptManifest(path: path, reason: "it declares \(preamble.manifestBytes) bytes from a \(range.count)-byte frame, more than zstd can expand it (at most \(Zstd.maxExpansion)×)")
        }
        let size = Int(preamble.manifestBytes)
        let decoded = file.withBytes(in: range) { frame in
            Result { () throws(ZstdError) in try Zstd.decompress(frame, expectedSize: size) }
        }
        switch decoded {
        case let .success(json): return json
        case let .failure(error): throw .zstd(path: path, frame: "manifest", error: error)
        }
    }

    /// The full length of an artifact whose manifest frame (in `range`) decodes: preamble,
    /// manifest frame, padding, the data the tensor table spans, footer. Nil when the manifest does not read.
    private static func expectedLength(_ file: MappedFile, _ preamble: ArtifactLayout.Preamble,
                                       _ range: Range<Int>, dataStart: Int) -> Int? {
        guard let json = try? decodeManifestBytes(file, preamble, range, path: file.path),
              case let .success(manifest) = ManifestCoding.decode(ArtifactManifest.self, from: json) else { return nil }
        let (data, overflow) = manifest.tensors.reduce((0, false)) { acc, r in
            let (end, o) = r.offset.addingReportingOverflow(r.compressedBytes)
            return (max(acc.0, end), acc.1 || o)
        }
        guard !overflow, data < Int.max / 2 else { return nil }
        return dataStart + data + ArtifactLayout.footerSize
    }

    /// 32 + M (+ the padding of version 2) + 56, clamped to `Int.max`.
    private static func saturated(_ p: ArtifactLayout.Preamble) -> Int {
        let limit = UInt64(Int.max) - UInt64(ArtifactLayout.frameAlignment + ArtifactLayout.footerSize + ArtifactLayout.preambleSize)
        guard p.manifestFrameBytes <= limit else { return Int.max }
        return ArtifactLayout.dataStart(version: p.version, manifestFrameBytes: Int(p.manifestFrameBytes)) + ArtifactLayout.footerSize
    }
}
