// swift-tools-version:6.0
// PrecondBench: benchmarks preconditioning in consistency distillation, reproducibly.
// Layering (nothing imports upward): TensorCore <- Autodiff <- NeuralNet <- Diffusion <- Distillation;
// Datasets, Metrics; CanonicalJSON (the one JSON writer, below everything that hashes or writes JSON);
// Harness <- Storage, Report; the precond-bench executable on top.
import PackageDescription

// Kernels use explicit fused multiply-adds; they are single instructions only when the compiler
// targets a CPU with FMA. x86-64-v3 (Haswell and later, every Zen) is the floor we build for; the
// same flag applies to every target so that all Float arithmetic is compiled the same way.
#if arch(x86_64)
let cpuSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuSettings: [SwiftSetting] = []
#endif

func module(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
  .target(name: name, dependencies: dependencies, swiftSettings: cpuSettings)
}

func tests(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
  .testTarget(name: name, dependencies: dependencies + ["TestSupport"], swiftSettings: cpuSettings)
}

let package = Package(
  name: "PrecondBench",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "precond-bench", targets: ["precond-bench"]),
    .executable(name: "perf", targets: ["Perf"]),
  ],
  targets: [
    .systemLibrary(
      name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite3"])]),
    .systemLibrary(
      name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
    .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
    module("TensorCore", ["CMalloc"]),
    module("CanonicalJSON", []),
    module("Autodiff", ["TensorCore"]),
    module("NeuralNet", ["Autodiff", "CanonicalJSON"]),
    module("Diffusion", ["NeuralNet", "CanonicalJSON"]),
    module("Distillation", ["Diffusion"]),
    module("Datasets", ["TensorCore", "CZlib"]),
    module("Metrics", ["NeuralNet", "Datasets"]),
    module("Harness", ["CanonicalJSON", "Distillation", "Datasets", "Metrics"]),
    module("Storage", ["CanonicalJSON", "Harness", "CSQLite"]),
    module("Report", ["Harness"]),
    .executableTarget(
      name: "precond-bench",
      dependencies: ["CanonicalJSON", "Harness", "Storage", "Report", "Metrics", "Datasets", "Distillation"],
      swiftSettings: cpuSettings),
    .executableTarget(
      name: "Perf", dependencies: ["TensorCore", "Autodiff", "NeuralNet", "Diffusion", "Distillation", "Metrics"],
      path: "Benchmarks/Perf", swiftSettings: cpuSettings),
    .target(
      name: "TestSupport", dependencies: ["TensorCore", "Autodiff"], path: "Tests/TestSupport",
      swiftSettings: cpuSettings),
    tests("TensorCoreTests", ["TensorCore"]),
    tests("CanonicalJSONTests", ["CanonicalJSON", "TensorCore"]),
    tests("AutodiffTests", ["Autodiff"]),
    tests("NeuralNetTests", ["NeuralNet"]),
    tests("DiffusionTests", ["Diffusion"]),
    tests("DistillationTests", ["Distillation"]),
    tests("DatasetsTests", ["Datasets"]),
    tests("MetricsTests", ["Metrics"]),
    tests("HarnessTests", ["CanonicalJSON", "Harness"]),
    tests("StorageTests", ["Storage"]),
    tests("ReportTests", ["Report"]),
    tests("PrecondBenchTests", ["precond-bench"]),
  ]
)
