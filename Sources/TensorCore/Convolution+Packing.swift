/// Packers that write the matrix products' `B` panels straight from the images, so the im2col
/// matrix is never materialised: one pass over (mostly L1/L2-resident) data instead of three.
/// Packing only copies, so the results are those of the im2col formulation bit for bit.
extension Convolution {
  /// A chunk of consecutive images as the packers read them: channel planes with a zero border of
  /// `padding` pixels, so every tap of every output pixel is a plain load.
  ///
  /// Pixel `j` of the chunk (image `j / plane`, row `y`, column `x`) has base offset
  /// `image * imageStride + y * rowStride + x`; tap `(c, ky, kx)` adds
  /// `c * planeStride + ky * rowStride + kx`.
  struct ImageWindow {
    let base: UnsafePointer<Float>
    let channels: Int
    let height: Int
    let width: Int
    let kernelSize: Int
    let rowStride: Int
    let planeStride: Int
    let imageStride: Int
    /// Whether at least `directSlack` readable floats follow the window (a padded copy), so a
    /// vector load may run up to 7 floats past its last pixel.
    let overReadable: Bool

    var plane: Int { height * width }

    /// Floats a padded copy of `images` images needs.
    static func paddedCount(images: Int, channels: Int, height: Int, width: Int, kernelSize: Int) -> Int {
      let pad = padding(kernelSize)
      return images * channels * (height + 2 * pad) * (width + 2 * pad)
    }

    /// The images as stored (1x1 kernels need no border; consecutive images are `channels *
    /// plane` apart).
    init(unpadded images: UnsafePointer<Float>, channels: Int, height: Int, width: Int) {
      base = images
      self.channels = channels
      self.height = height
      self.width = width
      kernelSize = 1
      rowStride = width
      planeStride = height * width
      imageStride = channels * height * width
      overReadable = false
    }

    /// Copies `count` images starting at `images` into `buffer` with a zero border.
    init(
      padding images: UnsafePointer<Float>, count: Int, channels: Int, height: Int, width: Int,
      kernelSize: Int, into buffer: UnsafeMutablePointer<Float>
    ) {
      let pad = Convolution.padding(kernelSize)
      let paddedWidth = width + 2 * pad
      let paddedHeight = height + 2 * pad
      self.base = UnsafePointer(buffer)
      self.channels = channels
      self.height = height
      self.width = width
      self.kernelSize = kernelSize
      rowStride = paddedWidth
      planeStride = paddedHeight * paddedWidth
      imageStride = channels * planeStride
      overReadable = true
      // Zero everything (one memset), then copy the rows. Rows are short (7 to 32 floats), so
      // they are copied with inline vector moves rather than a memmove call each.
      let planes = count * channels
      buffer.update(repeating: 0, count: planes * planeStride)
      for planeIndex in 0..<planes {
        let target = buffer + planeIndex * planeStride + pad * paddedWidth + pad
        let source = images + planeIndex * height * width
        for y in 0..<height {
          let row = target + y * paddedWidth
          let from = source + y * width
          if width >= 8 {
            // Whole vectors, then one last vector ending at the row's end (overlapping the
            // previous one) instead of a scalar tail.
            var x = 0
            while x + 8 <= width {
              UnsafeMutableRawPointer(row + x).storeBytes(
                of: UnsafeRawPointer(from + x).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
              x += 8
            }
            if x < width {
              UnsafeMutableRawPointer(row + width - 8).storeBytes(
                of: UnsafeRawPointer(from + width - 8).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            }
          } else {
            for x in 0..<width { row[x] = from[x] }
          }
        }
      }
    }

    /// Offset of tap `p = (c * k + ky) * k + kx` from a pixel's base offset.
    func tapOffsets() -> [Int] {
      var offsets: [Int] = []
      offsets.reserveCapacity(channels * kernelSize * kernelSize)
      for c in 0..<channels {
        for ky in 0..<kernelSize {
          for kx in 0..<kernelSize { offsets.append(c * planeStride + ky * rowStride + kx) }
        }
      }
      return offsets
    }

    /// Base offset of chunk pixel `j`.
    @inline(__always)
    func pixelOffset(_ j: Int) -> Int {
      let image = j / plane
      let s = j - image * plane
      let y = s / width
      return image * imageStride + y * rowStride + (s - y * width)
    }
  }

  /// Packs `B = im2col` (`[taps, pixels]`: depth = taps, columns = the chunk's pixels) for the
  /// forward product.
  static func packIm2col(
    _ window: ImageWindow, taps: UnsafePointer<Int>, pixels: Int
  ) -> GemmKernel.ColumnPanelPacker {
    { panels, layout, out in
      let micro = GemmKernel.microColumns
      withUnsafeTemporaryAllocation(of: Int.self, capacity: micro) { laneBuffer in
        let lanes = laneBuffer.address
        for jp in panels {
          let j0 = jp * micro
          let width = min(micro, pixels - j0)
          // Offsets of the panel's pixels, stepping along rows from the first (one division).
          var image = j0 / window.plane
          var s = j0 - image * window.plane
          var y = s / window.width
          var x = s - y * window.width
          for q in 0..<micro {
            lanes[q] = q < width ? image * window.imageStride + y * window.rowStride + x : 0
            x += 1
            if x == window.width {
              x = 0
              y += 1
              s += window.width
              if y == window.height {
                y = 0
                image += 1
              }
            }
          }
          // 8 pixels in one padded row: one vector load per tap.
          let lowContiguous = width >= 8 && lanes[7] == lanes[0] + 7
          let highContiguous = width == micro && lanes[micro - 1] == lanes[8] + 7
          // 8 pixels across the end of one row and the start of the next (narrow images: 14
          // wide): two vector loads per tap, blended at lane `k`. The first load runs past its
          // row and the second starts before its row, both inside a padded window.
          @inline(__always) func rowBreak(_ firstLane: Int) -> Int? {
            guard window.overReadable && firstLane + 8 <= width else { return nil }
            var found: Int? = nil
            for j in 1..<8 where lanes[firstLane + j] != lanes[firstLane + j - 1] + 1 {
              if found != nil { return nil }
              found = j
            }
            return found
          }
          let breaks = (lowContiguous ? nil : rowBreak(0), highContiguous ? nil : rowBreak(8))
          for block in 0..<layout.depthBlocks {
            let p0 = block * GemmKernel.depthBlock
            let depth = layout.depth(ofBlock: block)
            let panel = out + layout.offsetB(block: block, panel: jp)
            for half in 0..<2 {
              let contiguous = half == 0 ? lowContiguous : highContiguous
              let firstLane = half * 8
              if contiguous {
                let source = window.base + lanes[firstLane]
                for p in 0..<depth {
                  UnsafeMutableRawPointer(panel + p * micro + firstLane).storeBytes(
                    of: UnsafeRawPointer(source + taps[p0 + p]).loadUnaligned(as: SIMD8<Float>.self),
                    as: SIMD8<Float>.self)
                }
              } else if let k = half == 0 ? breaks.0 : breaks.1 {
                let first = window.base + lanes[firstLane]
                let second = window.base + lanes[firstLane + k] - k
                let fromSecond = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(k))
                for p in 0..<depth {
                  let tap = taps[p0 + p]
                  let low = UnsafeRawPointer(first + tap).loadUnaligned(as: SIMD8<Float>.self)
                  let high = UnsafeRawPointer(second + tap).loadUnaligned(as: SIMD8<Float>.self)
                  UnsafeMutableRawPointer(panel + p * micro + firstLane).storeBytes(
                    of: low.replacing(with: high, where: fromSecond), as: SIMD8<Float>.self)
                }
              } else {
                for p in 0..<depth {
                  let tap = taps[p0 + p]
                  let to = panel + p * micro
                  for q in firstLane..<(firstLane + 8) { to[q] = q < width ? window.base[lanes[q] + tap] : 0 }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Packs `B = im2col^T` (`[pixels, taps]`: depth = the chunk's pixels, columns = taps) for the
  /// weight gradient.
  static func packIm2colTransposed(
    _ window: ImageWindow, taps: UnsafePointer<Int>, tapCount: Int
  ) -> GemmKernel.ColumnPanelPacker {
    { panels, layout, out in
      let micro = GemmKernel.microColumns
      let zeros = SIMD8<Float>()
      for jp in panels {
        let q0 = jp * micro
        let width = min(micro, tapCount - q0)
        for block in 0..<layout.depthBlocks {
          let k0 = block * GemmKernel.depthBlock
          let depth = layout.depth(ofBlock: block)
          let panel = out + layout.offsetB(block: block, panel: jp)
          var j = k0
          while j < k0 + depth {
            // A run of pixels at consecutive addresses for every tap: the rest of an image row,
            // or of the whole plane when rows are stored back to back (unpadded 1x1 windows).
            let s = j % window.plane
            let rest = window.rowStride == window.width ? window.plane - s : window.width - s % window.width
            let run = min(rest, k0 + depth - j)
            let base = window.base + window.pixelOffset(j)
            let row = panel + (j - k0) * micro
            var i = 0
            // Eight pixels at a time, transposed in registers; a padded window may also read
            // past a short run (narrow images: 14 or 7 pixels a row) and keep the valid rows.
            while i + 8 <= run || (window.overReadable && i < run) {
              let valid = min(8, run - i)
              for half in 0..<2 {
                @inline(__always) func lanes(_ q: Int) -> SIMD8<Float> {
                  let tap = half * 8 + q
                  return tap < width
                    ? UnsafeRawPointer(base + i + taps[q0 + tap]).loadUnaligned(as: SIMD8<Float>.self) : zeros
                }
                let t = GemmKernel.transpose8x8(lanes(0), lanes(1), lanes(2), lanes(3), lanes(4), lanes(5), lanes(6), lanes(7))
                GemmKernel.storeRows(t, count: valid, to: UnsafeMutableRawPointer(row + i * micro + half * 8), rowBytes: 64)
              }
              i += valid
            }
            while i < run {
              for q in 0..<micro { row[i * micro + q] = q < width ? base[i + taps[q0 + q]] : 0 }
              i += 1
            }
            j += run
          }
        }
      }
    }
  }

  /// Packs `B = dY` of a chunk (`[outChannels, pixels]`) for the input gradient, reading the
  /// upstream gradient `[batch, outChannels, plane]` in place.
  static func packUpstream(
    _ upstream: UnsafePointer<Float>, outChannels: Int, plane: Int, pixels: Int
  ) -> GemmKernel.ColumnPanelPacker {
    { panels, layout, out in
      let micro = GemmKernel.microColumns
      withUnsafeTemporaryAllocation(of: Int.self, capacity: micro) { laneBuffer in
        let lanes = laneBuffer.address
        for jp in panels {
          let j0 = jp * micro
          let width = min(micro, pixels - j0)
          let image = j0 / plane
          let s0 = j0 - image * plane
          // Offset of pixel j0 + q in channel 0 is image * outChannels * plane + s.
          let contiguous = width == micro && s0 + micro <= plane
          if !contiguous {
            // A panel straddling images (small planes) or the chunk's end: per-lane offsets,
            // stepped once here rather than divided out at every depth step.
            var b = image
            var s = s0
            for q in 0..<width {
              lanes[q] = b * outChannels * plane + s
              s += 1
              if s == plane {
                s = 0
                b += 1
              }
            }
          }
          for block in 0..<layout.depthBlocks {
            let o0 = block * GemmKernel.depthBlock
            let depth = layout.depth(ofBlock: block)
            let panel = out + layout.offsetB(block: block, panel: jp)
            for p in 0..<depth {
              let o = o0 + p
              let to = panel + p * micro
              if contiguous {
                let from = UnsafeRawPointer(upstream + (image * outChannels + o) * plane + s0)
                UnsafeMutableRawPointer(to).storeBytes(of: from.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(to).storeBytes(
                  of: from.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32,
                  as: SIMD8<Float>.self)
              } else {
                let channel = upstream + o * plane
                for q in 0..<width { to[q] = channel[lanes[q]] }
                for q in width..<micro { to[q] = 0 }
              }
            }
          }
        }
      }
    }
  }
}
