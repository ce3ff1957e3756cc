import TensorCore

/// An artifact's framing around a given manifest text and data section, trusting both: the tool
/// that fuzzes the reader past its checksums (a mutated manifest gets a correct SHA-256 in the
/// footer, so the tensor table, the skeleton and the report are what is tested), and its inverse.
extension ArtifactWriter {
    /// preamble (`version`, M, manifest bytes) | zstd frame of `manifestJSON` | padding (version 2)
    /// | `data` | footer (D, SHA-256 of `manifestJSON`, total length, end marker).
    public static func assemble(manifestJSON: [UInt8], data: [UInt8],
                                version: UInt32 = UInt32(ArtifactManifest.currentFormatVersion)) -> [UInt8] {
        let frame = Zstd.compress(manifestJSON, level: 1)
        let (preamble, footer) = ArtifactLayout.framing(version: version, manifestJSON: manifestJSON, manifestFrame: frame,
                                                        dataBytes: data.count)
        return preamble.encoded + frame + ArtifactLayout.padding(version: version, manifestFrameBytes: frame.count) + data
            + footer.encoded
    }

    /// The manifest text and the data section of a well-formed artifact at `path`; nil when its
    /// framing does not read.
    public static func disassemble(path: String) -> (manifestJSON: [UInt8], data: [UInt8])? {
        guard let file = try? MappedFile(path: path), let framing = try? ArtifactFraming(file: file, path: path),
              let json = try? ArtifactFraming.decodeManifestBytes(file, framing.preamble, framing.manifestRange, path: path)
        else { return nil }
        return (json, file.withBytes(in: framing.dataRange) { Array($0) })
    }
}
