// swift-tools-version:6.1
// Pare: an offline compression compiler for transformer checkpoints.
// Targets follow DESIGN.md §2; a target imports only targets on lower rows.
import PackageDescription

/// Release builds target AVX2/FMA/F16C: without it SIMD and Float16 stay scalar (PLATFORM-NOTES §4).
let optimized: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]

let package = Package(
    name: "Pare",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pare", targets: ["pare"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // L0: system libraries and the tensor core.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACK", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .target(name: "TensorCore", swiftSettings: optimized),
        // One JSON value type, parser, writer and Codable coders for every module.
        .target(name: "JSON", swiftSettings: optimized),
        // The per-element passes around int8 GEMMs, vectorised by clang (see its header).
        .target(name: "CHeap"),
        // Open MPI, dlopened only when `pare` runs under mpirun or srun (a pare without MPI installed still runs).
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CQuantKernels", cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-ffp-contract=off"])]),
        // Decode kernels that read 16-bit weights once per token (AVX2, and AVX-512 chosen at run time), and the triad.
        .target(name: "CDecodeKernels", cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c", "-ffp-contract=off"])]),

        // L1
        .target(name: "ModelIR", dependencies: ["TensorCore"], swiftSettings: optimized),
        .target(name: "Kernels", dependencies: ["TensorCore", "CBLAS", "CLAPACK", "CDNNL", "CQuantKernels", "CDecodeKernels"], swiftSettings: optimized),
        .target(name: "SafeTensors", dependencies: ["TensorCore", "JSON"], swiftSettings: optimized),
        .target(name: "Tokenizers", dependencies: ["JSON"], swiftSettings: optimized),

        // L2
        .target(name: "Runtime", dependencies: ["ModelIR", "Kernels"], swiftSettings: optimized),

        // L3
        .target(name: "Calibration", dependencies: ["ModelIR", "Kernels", "Runtime", "JSON", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: optimized),

        // L4
        .target(name: "Passes", dependencies: ["ModelIR", "Kernels", "Runtime", "Calibration", "JSON", "CHeap", "Yams"], swiftSettings: optimized),
        .target(name: "Artifact", dependencies: ["ModelIR", "SafeTensors", "JSON", "CZstd", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: optimized),
        .target(name: "Report", dependencies: ["ModelIR", "JSON"], swiftSettings: optimized),
        // Hugging Face checkpoints in and out: one description per family drives import, PEFT names and export.
        .target(name: "HuggingFace", dependencies: ["ModelIR", "SafeTensors", "JSON", "Artifact", "TensorCore"], swiftSettings: optimized),
        // ONNX out: a BERT-family graph for ONNX Runtime (f32, pruned shapes, int8 as QDQ/MatMulInteger),
        // serialized with swift-protobuf from code generated once from onnx.proto.
        .target(name: "ONNXExport", dependencies: ["ModelIR", "TensorCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Proto/README.md", "Proto/onnx.proto"], swiftSettings: optimized),

        // L5, L6: Driver does the work of every command and offers their argument types; the
        // executable parses, calls Driver and prints.
        .target(name: "Driver", dependencies: ["HuggingFace", "ONNXExport", "SafeTensors", "ModelIR", "TensorCore", "Runtime", "Kernels", "Passes", "Report", "Artifact",
                                               "Tokenizers", "Calibration", "JSON", "CMPI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: optimized),
        .executableTarget(
            name: "pare",
            dependencies: ["Driver", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),

        // Fuzzing (`make fuzz`): the parsers as libFuzzer targets, and their one binary.
        .target(name: "FuzzTargets", dependencies: ["Driver", "HuggingFace", "SafeTensors", "ModelIR", "TensorCore", "Tokenizers",
                                                    "Passes", "Calibration", "Report", "JSON"]),
        .executableTarget(name: "pare-fuzz", dependencies: ["FuzzTargets"]),

        // Tests: one target per source target, and the float tolerances they share.
        .target(name: "NumericTolerance", path: "Tests/NumericTolerance"),
        .testTarget(name: "NumericToleranceTests", dependencies: ["NumericTolerance"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "ModelIRTests", dependencies: ["ModelIR"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "NumericTolerance"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "CZstd"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "HuggingFace", "NumericTolerance"]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "Kernels", "HuggingFace", "NumericTolerance"]),
        .testTarget(name: "HuggingFaceTests", dependencies: ["HuggingFace", "Passes", "Runtime", "Calibration", "NumericTolerance"]),
        .testTarget(name: "PassesTests", dependencies: ["Passes", "HuggingFace", "Calibration", "Runtime", "NumericTolerance"]),
        .testTarget(name: "ArtifactTests", dependencies: ["Artifact", "HuggingFace", "JSON", "NumericTolerance"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "HuggingFace"], exclude: ["Snapshots"]),
        .testTarget(name: "DriverTests", dependencies: ["Driver", "Runtime", "Kernels", "JSON", "NumericTolerance"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "ONNXExportTests", dependencies: ["ONNXExport", "ModelIR", "TensorCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
    ],
    swiftLanguageModes: [.v6]
)
