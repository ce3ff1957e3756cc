import ModelIR
import TensorCore

/// What `StreamingArtifactWriter.finish` checks before writing: the tensors added are exactly
/// the skeleton's, with its dtypes and shapes (the reader would refuse anything else).
enum AddedTensors {
    /// Throws for the first difference: a tensor the skeleton needs that was not added (in
    /// `namedTensors` order), one added with another dtype or shape, then the least-named tensor
    /// added that the skeleton does not name.
    static func check(_ records: [ArtifactManifest.TensorRecord], against skeleton: Skeleton,
                      path: String) throws(ArtifactError) {
        var added = Dictionary(records.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, spec) in skeleton.namedTensors {
            guard let record = added.removeValue(forKey: name) else { throw .tensorNotAdded(path: path, name: name) }
            let recorded = TensorSpec(dtype: record.dtype, shape: Shape(record.shape))
            guard recorded == spec else {
                throw .addedTensorMismatch(path: path, name: name, added: recorded, skeleton: spec)
            }
        }
        if let extra = added.keys.min() { throw .tensorNotInModel(path: path, name: extra) }
    }
}
