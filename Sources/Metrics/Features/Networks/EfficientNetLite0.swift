/// EfficientNet-Lite0 (Tan & Le 2019; the Lite variant: ReLU6, no squeeze-and-excitation, stem
/// and head not scaled) as `efficientnet_lite_pytorch` 0.1.0 builds `efficientnet-lite0`, up to
/// the global average pool of the head: 1280 features.
///
/// Stem: conv 3x3 stride 2, 3 -> 32, ReLU6. Seven stages of MBConv blocks (repeats, kernel,
/// stride, expansion, in, out): (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
/// (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320);
/// only a stage's first block has its stride and input width. A block is: expand 1x1 (when the
/// expansion is not 1) + ReLU6, depthwise kxk + ReLU6, project 1x1, plus the input when the stride
/// is 1 and the widths agree. Head: conv 1x1 320 -> 1280, ReLU6, mean over positions. Every
/// convolution uses TensorFlow "SAME" padding (`Conv2dStaticSamePadding`) and carries its
/// BatchNorm (eps 1e-3) folded in by the converter.
struct EfficientNetLite0 {
  /// (repeats, kernel, stride, expansion, input, output) of the seven stages.
  static let stages: [(Int, Int, Int, Int, Int, Int)] = [
    (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
  ]
  static let featureDimension = 1280

  struct Block {
    let expand: ConvolutionLayer?
    let depthwise: ConvolutionLayer
    let project: ConvolutionLayer
    let residual: Bool
  }

  let stem: ConvolutionLayer
  let blocks: [Block]
  let head: ConvolutionLayer

  /// Reads the layers from `weights` (keys named as the PyTorch modules: `_conv_stem`,
  /// `_blocks.I._expand_conv`, `_blocks.I._depthwise_conv`, `_blocks.I._project_conv`,
  /// `_conv_head`).
  init(weights: NetworkWeights) throws(MetricsError) {
    stem = try weights.convolution("_conv_stem", in: 3, out: 32, kernel: (3, 3), stride: 2, padding: .tensorFlowSame)
    var blocks = [Block]()
    for (repeats, k, stride, expansion, input, output) in Self.stages {
      for r in 0..<repeats {
        let name = "_blocks.\(blocks.count)"
        let inChannels = r == 0 ? input : output
        let s = r == 0 ? stride : 1
        let hidden = inChannels * expansion
        let expand =
          expansion == 1
          ? nil
          : try weights.convolution(name + "._expand_conv", in: inChannels, out: hidden, kernel: (1, 1), padding: .tensorFlowSame)
        let depthwise = try weights.convolution(
          name + "._depthwise_conv", in: hidden, out: hidden, kernel: (k, k), stride: s, padding: .tensorFlowSame,
          depthwise: true)
        let project = try weights.convolution(
          name + "._project_conv", in: hidden, out: output, kernel: (1, 1), padding: .tensorFlowSame)
        blocks.append(Block(expand: expand, depthwise: depthwise, project: project, residual: s == 1 && inChannels == output))
      }
    }
    self.blocks = blocks
    head = try weights.convolution("_conv_head", in: 320, out: 1280, kernel: (1, 1), padding: .tensorFlowSame)
  }

  /// The 1280 pooled features of one normalised image `[3, H, W]`.
  func features(_ image: FeatureMap) -> [Float] {
    var x = stem(image, .relu6)
    for block in blocks {
      var h = x
      if let expand = block.expand { h = expand(h, .relu6) }
      h = block.depthwise(h, .relu6)
      h = block.project(h, .none)
      if block.residual {
        for i in h.values.indices { h.values[i] += x.values[i] }
      }
      x = h
    }
    return head(x, .relu6).globalAverage()
  }
}
