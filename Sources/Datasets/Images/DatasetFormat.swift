/// The on-disk formats `ImageDataset.load` reads. Parse user text with `init?(rawValue:)` at the
/// command-line or suite boundary and list `allCases` in the error.
public enum DatasetFormat: String, Sendable, CaseIterable, Codable {
  /// CIFAR-10 binary batches: a `.bin` file or a directory of them (`CIFAR10`).
  case cifar10
  /// IDX (MNIST, Fashion-MNIST), raw or gzip'd (`IDX`).
  case idx
  /// NumPy `.npy` arrays, uint8 NHWC or float (`NumpyImages`).
  case npy

  /// The format a path's name implies: a directory (CIFAR-10 batches), `*.bin`,
  /// `*-idx3-ubyte[.gz]` (any `idx3`/`ubyte` name), `*.npy`; otherwise, for an existing file,
  /// its magic bytes (`\x93NUMPY`, IDX `00 00 08 03`, gzip).
  ///
  /// - Throws: `DatasetError.invalidRequest` when neither the name nor the content tells,
  ///   `.notFound` (with every format's hint) when the path does not exist and its name does
  ///   not tell.
  public static func detect(path: String) throws -> DatasetFormat {
    let (exists, isDirectory) = FileIO.kind(of: path)
    if isDirectory { return .cifar10 }
    let name = String(path.split(separator: "/").last ?? Substring(path))
    if name.hasSuffix(".bin") { return .cifar10 }
    if name.hasSuffix(".npy") { return .npy }
    if name.contains("idx3") || name.contains("-ubyte") || name.contains(".ubyte") { return .idx }
    if exists, let data = try? FileIO.read(path) {
      let head = Array(data.prefix(6))
      if head.starts(with: NumpyArray.magic) { return .npy }
      if head.starts(with: [0, 0, 8, 3]) || head.starts(with: [0x1f, 0x8b]) { return .idx }
    }
    guard exists else {
      throw DatasetError.notFound(path, hint: allCases.map(\.missingHint).joined(separator: " "))
    }
    let valid = allCases.map(\.rawValue).joined(separator: "|")
    throw DatasetError.invalidRequest(
      "cannot tell the dataset format from the name or content; pass --format \(valid)", path: path)
  }

  /// Where to put a dataset of this format, and which script makes it (for not-found errors).
  public var missingHint: String {
    let common = " Datasets are not shipped: put them under data/ (or anywhere) and pass the path."
    // Each hint is one paragraph; `detect` joins all three when nothing else is known.
    switch self {
    case .cifar10:
      return "CIFAR-10: extract the binary version (cifar-10-binary.tar.gz) and pass the "
        + "cifar-10-batches-bin directory (data_batch_1.bin ... data_batch_5.bin, test_batch.bin)."
        + common
    case .idx:
      return "Fashion-MNIST: install the Debian package dataset-fashion-mnist "
        + "(`Scripts/prepare-dataset fashion-mnist` installs it when run as root), which puts "
        + "train-images-idx3-ubyte.gz etc. in /usr/share/datasets/fashion-mnist/; MNIST: the "
        + "IDX files, gzip'd or not, with the labels file beside the images file." + common
    case .npy:
      return "FFHQ and ImageNet-64 are converted to .npy by Scripts/prepare-dataset "
        + "(`Scripts/prepare-dataset ffhq SOURCE.zip|DIR --out data/ffhq64.npy --resolution 64`, "
        + "`Scripts/prepare-dataset imagenet64 BATCH.npz... --out data/imagenet64.npy`; see --help)."
        + common
    }
  }
}

extension ImageDataset {
  /// Loads a dataset from a file or directory, in `format` or the one `DatasetFormat.detect`
  /// infers from the path.
  ///
  /// - Throws: `DatasetError`: `.notFound` with a hint saying where to put the data and which
  ///   script converts it, `.malformed`/`.unsupported` naming the file and byte offset.
  public static func load(path: String, format: DatasetFormat? = nil) throws -> ImageDataset {
    let resolved = try format ?? DatasetFormat.detect(path: path)
    guard FileIO.kind(of: path).exists else {
      throw DatasetError.notFound(path, hint: resolved.missingHint)
    }
    let dataset: ImageDataset
    switch resolved {
    case .cifar10: dataset = try CIFAR10.load(path)
    case .idx: dataset = try IDX.load(path)
    case .npy: dataset = try NumpyImages.load(path)
    }
    // Nothing can be measured or trained on no images: say so rather than print NaN statistics.
    guard dataset.count > 0 else {
      throw DatasetError.malformed(path, "holds 0 images (shape \(dataset.shape)); a dataset needs at least one")
    }
    return dataset
  }
}
