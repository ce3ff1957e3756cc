import ModelIR
import SafeTensors
import TensorCore

/// Where the importer gets tensors from: headers only (`TensorSpec`, for a Skeleton) or the
/// mapped weights (`Tensor`, for a Model). Layout changes are done by the source so that the
/// same import code builds both.
protocol WeightSource {
    associatedtype T: TensorDescribing
    var checkpoint: Checkpoint { get }
    func load(_ name: String) throws(ImportError) -> T
    /// [r, c] → [c, r]
    func transposed(_ t: T) -> T
    /// Rows `range` of a matrix; elements `range` of a vector.
    func slice(_ t: T, _ range: Range<Int>) -> T
}

/// Reads no weight bytes: builds a Skeleton from the safetensors headers.
struct HeaderSource: WeightSource {
    let checkpoint: Checkpoint

    func load(_ name: String) throws(ImportError) -> TensorSpec {
        let entry = checkpoint.entry(name)!
        return TensorSpec(dtype: entry.dtype, shape: entry.shape)
    }

    func transposed(_ t: TensorSpec) -> TensorSpec { TensorSpec(dtype: t.dtype, shape: [t.shape[1], t.shape[0]]) }

    func slice(_ t: TensorSpec, _ range: Range<Int>) -> TensorSpec {
        TensorSpec(dtype: t.dtype, shape: Shape([range.count] + t.shape.dims.dropFirst()))
    }
}

/// Maps the weights (zero-copy, except where a transpose forces a copy).
struct MappedSource: WeightSource {
    let checkpoint: Checkpoint

    func load(_ name: String) throws(ImportError) -> Tensor {
        do {
            return try checkpoint.tensor(name)
        } catch {
            throw .checkpoint(error)
        }
    }

    func transposed(_ t: Tensor) -> Tensor { t.transposed() }

    func slice(_ t: Tensor, _ range: Range<Int>) -> Tensor {
        t.shape.rank == 1 ? t.elements(range) : t.rows(range)
    }
}
