// swift-tools-version:6.0
// PrecondBench: benchmarks preconditioning in consistency distillation, reproducibly.
// Layering (nothing imports upward): TensorCore <- Autodiff <- NeuralNet <- Diffusion <- Distillation;
// Datasets <- Metrics; CanonicalJSON (the one JSON writer, below everything that hashes or writes
// JSON); Harness <- Storage, Report; SyntheticResults (made-up results for tests and demos, not in
// the Harness library); the precond-bench executable on top.
// Every target declares exactly the modules its sources import (system modules aside).
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

// `exclude`: data files a test reads by #filePath (not bundled as resources).
func tests(_ name: String, _ dependencies: [Target.Dependency], exclude: [String] = []) -> Target {
  .testTarget(name: name, dependencies: dependencies + ["TestSupport"], exclude: exclude, swiftSettings: cpuSettings)
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
    module("NeuralNet", ["Autodiff", "TensorCore", "CanonicalJSON"]),
    module("Diffusion", ["Autodiff", "NeuralNet", "TensorCore", "CanonicalJSON"]),
    module("Distillation", ["Autodiff", "Diffusion", "NeuralNet", "TensorCore"]),
    module("Datasets", ["TensorCore", "CZlib"]),
    module("Metrics", ["Datasets", "TensorCore"]),
    module(
      "Harness",
      ["CanonicalJSON", "Datasets", "Diffusion", "Distillation", "Metrics", "NeuralNet", "TensorCore"]),
    module("Storage", ["CanonicalJSON", "Distillation", "Harness", "CSQLite"]),
    module("Report", ["CanonicalJSON", "Distillation", "Harness", "Metrics"]),
    module("SyntheticResults", ["CanonicalJSON", "Diffusion", "Harness", "TensorCore"]),
    .executableTarget(
      name: "precond-bench",
      dependencies: [
        "CanonicalJSON", "Datasets", "Diffusion", "Distillation", "Harness", "Metrics", "NeuralNet", "Report",
        "Storage", "SyntheticResults", "TensorCore",
      ],
      swiftSettings: cpuSettings),
    .executableTarget(
      name: "Perf", dependencies: ["TensorCore", "Autodiff", "NeuralNet", "Diffusion", "Distillation", "Metrics"],
      path: "Benchmarks/Perf", swiftSettings: cpuSettings),
    .target(
      name: "TestSupport", dependencies: ["TensorCore", "Autodiff", "Datasets", "Metrics"], path: "Tests/TestSupport",
      swiftSettings: cpuSettings),
    tests("TensorCoreTests", ["TensorCore"]),
    tests("CanonicalJSONTests", ["CanonicalJSON", "TensorCore"]),
    tests("AutodiffTests", ["Autodiff", "TensorCore"]),
    tests("NeuralNetTests", ["Autodiff", "NeuralNet", "TensorCore"]),
    tests("DiffusionTests", ["Diffusion", "NeuralNet", "TensorCore"]),
    tests("DistillationTests", ["Autodiff", "Diffusion", "Distillation", "NeuralNet", "TensorCore"], exclude: ["Fixtures"]),
    tests("DatasetsTests", ["Datasets", "TensorCore"]),
    tests("MetricsTests", ["Datasets", "Metrics", "TensorCore"], exclude: ["Fixtures"]),
    tests(
      "HarnessTests",
      ["CanonicalJSON", "Diffusion", "Distillation", "Harness", "Metrics", "SyntheticResults", "TensorCore"]),
    tests("StorageTests", ["CSQLite", "Harness", "Storage", "SyntheticResults"]),
    tests("ReportTests", ["Distillation", "Harness", "Report", "SyntheticResults"]),
    tests("PrecondBenchTests", ["Datasets", "precond-bench"]),
  ]
)
