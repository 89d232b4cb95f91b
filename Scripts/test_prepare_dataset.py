#!/usr/bin/env python3
"""Tests of Scripts/prepare-dataset on small files it makes itself.

Run: python3 Scripts/test_prepare_dataset.py   (needs NumPy; the PNG cases need Pillow and are
skipped with a message without it). The last line is "prepare-dataset: N passed, N failed,
N skipped"; the exit status is non-zero when a test failed.
"""

import importlib.machinery
import importlib.util
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import unittest
import zipfile

import numpy as np

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prepare-dataset")

try:
    from PIL import Image
    HAVE_PILLOW = True
except ImportError:
    HAVE_PILLOW = False
PILLOW_MISSING = "Pillow is not installed (pip install pillow): PNG conversion not tested"


def load_script():
    loader = importlib.machinery.SourceFileLoader("prepare_dataset", SCRIPT)
    spec = importlib.util.spec_from_loader("prepare_dataset", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


def box_average(images, r):
    """Reference: per-pixel loop, (sum + k // 2) // k."""
    n, h, w, c = images.shape
    fy, fx = h // r, w // r
    out = np.zeros((n, r, r, c), np.uint8)
    for i in range(n):
        for y in range(r):
            for x in range(r):
                for ch in range(c):
                    block = images[i, y * fy:(y + 1) * fy, x * fx:(x + 1) * fx, ch].astype(int)
                    out[i, y, x, ch] = (block.sum() + fy * fx // 2) // (fy * fx)
    return out


def random_images(n, h, w, c, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, h, w, c), dtype=np.uint8)


def png_bytes(pixels):
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class Workspace(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = self.directory.name

    def tearDown(self):
        self.directory.cleanup()

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def expect_ok(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)


class AreaAverageTests(Workspace):
    def test_matches_per_pixel_reference_and_rounds_half_up(self):
        module = load_script()
        images = random_images(3, 8, 8, 3, seed=1)
        np.testing.assert_array_equal(module.area_average(images, 4), box_average(images, 4))
        np.testing.assert_array_equal(module.area_average(images, 1), box_average(images, 1))
        self.assertIs(module.area_average(images, None), images)
        ties = np.array([0, 1, 0, 0], np.uint8).reshape(1, 2, 2, 1)  # mean 0.25 -> 0
        halves = np.array([1, 1, 0, 0], np.uint8).reshape(1, 2, 2, 1)  # mean 0.5 -> 1
        self.assertEqual(module.area_average(ties, 1)[0, 0, 0, 0], 0)
        self.assertEqual(module.area_average(halves, 1)[0, 0, 0, 0], 1)
        with self.assertRaises(module.Failure):
            module.area_average(images, 3)


@unittest.skipUnless(HAVE_PILLOW, PILLOW_MISSING)
class FFHQTests(Workspace):
    def make_pngs(self, images):
        names = [f"{i // 2:05d}/img{i:08d}.png" for i in range(len(images))]
        return names, [png_bytes(image) for image in images]

    def test_folder_of_pngs_to_nhwc_npy_with_downsampling(self):
        images = random_images(5, 8, 8, 3, seed=2)
        names, blobs = self.make_pngs(images)
        for name, blob in zip(names, blobs):
            os.makedirs(os.path.dirname(self.path("ffhq", name)), exist_ok=True)
            with open(self.path("ffhq", name), "wb") as f:
                f.write(blob)
        out = self.path("out", "ffhq4.npy")
        result = run("ffhq", self.path("ffhq"), "--out", out, "--resolution", "4")
        self.expect_ok(result)
        array = np.load(out)
        self.assertEqual(array.dtype, np.uint8)
        self.assertEqual(array.shape, (5, 4, 4, 3))
        np.testing.assert_array_equal(array, box_average(images, 4))
        self.assertFalse(os.path.exists(self.path("out", "ffhq4.labels.npy")))
        self.assertIn("5 images", result.stdout)

    def test_zip_with_edm_labels_and_limit(self):
        images = random_images(4, 6, 6, 3, seed=3)
        names, blobs = self.make_pngs(images)
        with zipfile.ZipFile(self.path("ffhq.zip"), "w") as archive:
            for name, blob in reversed(list(zip(names, blobs))):  # order comes from sorting
                archive.writestr(name, blob)
            archive.writestr("dataset.json", json.dumps({"labels": [[n, i % 2] for i, n in enumerate(names)]}))
        out = self.path("ffhq.npy")
        self.expect_ok(run("ffhq", self.path("ffhq.zip"), "--out", out, "--limit", "3"))
        np.testing.assert_array_equal(np.load(out), images[:3])
        np.testing.assert_array_equal(np.load(self.path("ffhq.labels.npy")), [0, 1, 0])

    def test_grayscale_pngs_keep_one_channel(self):
        images = random_images(2, 4, 4, 1, seed=4)
        names, blobs = self.make_pngs(images)
        os.makedirs(self.path("gray", "00000"))
        for name, blob in zip(names, blobs):
            with open(self.path("gray", name), "wb") as f:
                f.write(blob)
        out = self.path("gray.npy")
        self.expect_ok(run("ffhq", self.path("gray"), "--out", out))
        np.testing.assert_array_equal(np.load(out), images)

    def test_errors(self):
        os.makedirs(self.path("empty"))
        result = run("ffhq", self.path("empty"), "--out", self.path("x.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("no .png files", result.stderr)
        os.makedirs(self.path("mixed", "00000"))
        for i, side in enumerate([4, 8]):
            with open(self.path("mixed", "00000", f"img{i:08d}.png"), "wb") as f:
                f.write(png_bytes(random_images(1, side, side, 3, seed=i)[0]))
        result = run("ffhq", self.path("mixed"), "--out", self.path("m.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("the first image is 4x4", result.stderr)
        self.assertFalse(os.path.exists(self.path("m.npy.partial")))
        result = run("ffhq", self.path("mixed"), "--out", self.path("m.npy"), "--resolution", "3")
        self.assertEqual(result.returncode, 1)
        self.assertIn("must divide", result.stderr)


class ImageNetTests(Workspace):
    def batch(self, n, side, seed, first_label=1):
        rng = np.random.default_rng(seed)
        data = rng.integers(0, 256, size=(n, 3 * side * side), dtype=np.uint8)
        labels = list(rng.integers(first_label, first_label + 1000, size=n))
        return data, labels

    @staticmethod
    def nhwc(data, side):
        return data.reshape(len(data), 3, side, side).transpose(0, 2, 3, 1)

    def test_npz_batches_concatenate_with_zero_based_labels(self):
        first = self.batch(3, 8, seed=5)
        second = self.batch(2, 8, seed=6)
        np.savez(self.path("train_data_batch_1.npz"), data=first[0], labels=first[1], mean=np.zeros(3))
        np.savez_compressed(self.path("train_data_batch_2.npz"), data=second[0], labels=second[1])
        out = self.path("imagenet.npy")
        self.expect_ok(run("imagenet64", self.path("train_data_batch_1.npz"),
                           self.path("train_data_batch_2.npz"), "--out", out))
        images = np.load(out)
        self.assertEqual(images.shape, (5, 8, 8, 3))
        np.testing.assert_array_equal(images[:3], self.nhwc(first[0], 8))
        np.testing.assert_array_equal(images[3:], self.nhwc(second[0], 8))
        labels = np.load(self.path("imagenet.labels.npy"))
        self.assertEqual(labels.dtype, np.int64)
        np.testing.assert_array_equal(labels, np.array(first[1] + second[1]) - 1)
        # Channel-major rows: the first 64 values of a row are the red plane.
        self.assertEqual(images[0, 0, 1, 0], first[0][0, 1])
        self.assertEqual(images[0, 0, 0, 1], first[0][0, 64])

    def test_pickled_batches_with_downsampling_and_limit(self):
        data, labels = self.batch(4, 8, seed=7)
        with open(self.path("val_data"), "wb") as f:
            pickle.dump({"data": data, "labels": labels}, f)
        out = self.path("val.npy")
        self.expect_ok(run("imagenet64", self.path("val_data"), "--out", out, "--resolution", "4", "--limit", "3"))
        np.testing.assert_array_equal(np.load(out), box_average(self.nhwc(data[:3], 8), 4))
        np.testing.assert_array_equal(np.load(self.path("val.labels.npy")), np.array(labels[:3]) - 1)

    def test_folder_stands_for_its_training_batches_in_numeric_order(self):
        os.makedirs(self.path("Imagenet64_train_npz"))
        batches = {n: self.batch(1, 4, seed=20 + n) for n in (1, 2, 10)}
        for n, (data, labels) in batches.items():
            np.savez(self.path("Imagenet64_train_npz", f"train_data_batch_{n}.npz"), data=data, labels=labels)
        data, labels = self.batch(1, 4, seed=30)
        np.savez(self.path("Imagenet64_train_npz", "val_data.npz"), data=data, labels=labels)
        out = self.path("folder.npy")
        self.expect_ok(run("imagenet64", self.path("Imagenet64_train_npz"), "--out", out))
        expected = np.concatenate([self.nhwc(batches[n][0], 4) for n in (1, 2, 10)])
        np.testing.assert_array_equal(np.load(out), expected)
        os.makedirs(self.path("empty"))
        result = run("imagenet64", self.path("empty"), "--out", self.path("e.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("no ImageNet-64 batches", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_errors(self):
        data, labels = self.batch(2, 8, seed=8, first_label=0)
        labels[0] = 0
        np.savez(self.path("zero.npz"), data=data, labels=labels)
        result = run("imagenet64", self.path("zero.npz"), "--out", self.path("z.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("1-based", result.stderr)
        np.savez(self.path("keys.npz"), pixels=data)
        result = run("imagenet64", self.path("keys.npz"), "--out", self.path("k.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("expected keys 'data' and 'labels'", result.stderr)
        with open(self.path("junk"), "wb") as f:
            f.write(b"not a pickle")
        result = run("imagenet64", self.path("junk"), "--out", self.path("j.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("junk", result.stderr)
        result = run("imagenet64", self.path("absent.npz"), "--out", self.path("a.npy"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("no such file", result.stderr)


class FashionMNISTTests(Workspace):
    def test_present_files_are_listed(self):
        module = load_script()
        for name in module.FASHION_MNIST_FILES:
            with open(self.path(name), "wb") as f:
                f.write(b"\x1f\x8b")
        result = run("fashion-mnist", "--dir", self.root, "--no-install")
        self.expect_ok(result)
        self.assertEqual(result.stdout.split(), [self.path(n) for n in module.FASHION_MNIST_FILES])

    def test_missing_files_say_how_to_install(self):
        result = run("fashion-mnist", "--dir", self.root, "--no-install")
        self.assertEqual(result.returncode, 1)
        self.assertIn("apt-get install dataset-fashion-mnist", result.stderr)
        self.assertIn("train-images-idx3-ubyte.gz", result.stderr)


class CommandLineTests(unittest.TestCase):
    def test_help_and_usage_errors(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        for word in ("ffhq", "imagenet64", "fashion-mnist", "NHWC", "pip install pillow"):
            self.assertIn(word, result.stdout)
        self.assertEqual(run("imagenet64", "--help").returncode, 0)
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("ffhq", "x", "--out", "y.npy", "--resolution", "0").returncode, 2)
        self.assertTrue(os.access(SCRIPT, os.X_OK), "Scripts/prepare-dataset must be executable")


if __name__ == "__main__":
    if not HAVE_PILLOW:
        print(f"skipping the PNG tests: {PILLOW_MISSING}", file=sys.stderr)
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    outcome = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(outcome.failures) + len(outcome.errors) + len(outcome.unexpectedSuccesses)
    skipped = len(outcome.skipped)
    passed = outcome.testsRun - failed - skipped
    print(f"prepare-dataset: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(0 if failed == 0 else 1)
