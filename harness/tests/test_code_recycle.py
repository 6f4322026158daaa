"""Kept copies of unchanged code: what may be written over, and what is refused."""

import os
import tempfile
import unittest

import hashlib
import io

from kaggle_run_harness.code_recycle import KeptCopies, keep_copy, write_over


class KeptCopiesTake(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="kept-test-")
        self.folder = os.path.join(self.root, "kept")
        self.working = os.path.join(self.root, "working")
        os.makedirs(os.path.join(self.folder, "a"))
        os.makedirs(self.working)

    def write(self, path, text="x"):
        with open(path, "w") as f:
            f.write(text)

    def test_a_plain_file_is_moved_and_keeps_its_inode(self):
        kept = os.path.join(self.folder, "a", "m.py")
        self.write(kept)
        inode = os.stat(kept).st_ino
        target = os.path.join(self.working, "m.py")
        copies = KeptCopies(os.path.realpath(self.folder))
        self.assertTrue(copies.take("a/m.py", target))
        self.assertEqual(os.stat(target).st_ino, inode)
        self.assertFalse(os.path.exists(kept))
        self.assertEqual(copies.taken, 1)

    def test_links_and_shared_files_are_never_taken(self):
        outside = os.path.join(self.root, "outside.txt")
        self.write(outside, "precious")
        os.symlink(outside, os.path.join(self.folder, "a", "link.py"))
        os.link(outside, os.path.join(self.folder, "a", "hard.py"))
        elsewhere = os.path.join(self.root, "elsewhere")
        os.makedirs(elsewhere)
        self.write(os.path.join(elsewhere, "b.py"), "precious")
        os.symlink(elsewhere, os.path.join(self.folder, "b"))
        copies = KeptCopies(os.path.realpath(self.folder))
        for rel in ("a/link.py", "a/hard.py", "b/b.py", "a/missing.py"):
            self.assertFalse(copies.take(rel, os.path.join(self.working, "t")), rel)
        self.assertFalse(os.path.lexists(os.path.join(self.working, "t")))
        self.assertTrue(os.path.exists(os.path.join(elsewhere, "b.py")))
        self.assertEqual(copies.taken, 0)

    def test_clear_rest_empties_the_folder(self):
        self.write(os.path.join(self.folder, "a", "old.py"))
        self.write(os.path.join(self.folder, "top.txt"))
        KeptCopies(os.path.realpath(self.folder)).clear_rest()
        self.assertEqual(os.listdir(self.folder), [])

    def test_keep_copy_moves_a_working_file_to_its_relative_place(self):
        path = os.path.join(self.working, "d", "e.py")
        os.makedirs(os.path.dirname(path))
        self.write(path)
        self.assertTrue(keep_copy(self.folder, self.working, path))
        self.assertTrue(os.path.isfile(os.path.join(self.folder, "d", "e.py")))
        self.assertFalse(keep_copy(self.folder, self.working, os.path.join(self.root, "x")))


class WriteOver(unittest.TestCase):
    def test_the_content_becomes_the_codes_and_only_a_changed_one_is_written(self):
        folder = tempfile.mkdtemp(prefix="kept-test-")
        cases = [(b"same text", b"same text"), (b"longer old text", b"short"),
                 (b"abc", b"abcdef"), (b"xbc", b"abc"), (b"", b"new"), (b"old", b"")]
        for old, new in cases:
            path = os.path.join(folder, "f")
            with open(path, "wb") as f:
                f.write(old)
            before = os.stat(path).st_mtime_ns
            digest = hashlib.sha256()
            self.assertEqual(write_over(io.BytesIO(new), path, digest, 2), len(new))
            with open(path, "rb") as f:
                self.assertEqual(f.read(), new, (old, new))
            self.assertEqual(digest.hexdigest(), hashlib.sha256(new).hexdigest())
            if old == new:
                self.assertEqual(os.stat(path).st_mtime_ns, before)  # only read


if __name__ == "__main__":
    unittest.main()
