"""kit.Store: the snapshot and its journal, across restarts and between the
two instances of a blue-green deploy."""
import os
import tempfile
import unittest

import kit


class StoreTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        os.environ["FTGO_WORKSPACE"] = self.tmp.name

    def store(self):
        return kit.Store({"next_id": 1, "orders": {}})

    def journal_lines(self, store):
        with open(store.journal_path, "rb") as f:
            return f.read().count(b"\n")

    def test_a_change_is_one_journal_line_and_survives_a_restart(self):
        a = self.store()
        with a.lock:
            a.data["orders"]["1"] = {"id": 1, "state": "APPROVAL_PENDING"}
            a.save("orders", "1")
            a.data["orders"]["1"]["state"] = "APPROVED"
            a.save("orders", "1")
        self.assertEqual(self.journal_lines(a), 2)
        b = self.store()  # a restart folds the journal into the snapshot
        self.assertEqual(b.data["orders"]["1"]["state"], "APPROVED")
        self.assertEqual(self.journal_lines(b), 0)

    def test_two_instances_see_each_others_changes_under_the_lock(self):
        old, new = self.store(), self.store()
        with old.lock:
            old.data["orders"]["1"] = {"id": 1, "state": "CREATE_PENDING"}
            old.save("orders", "1")
        with new.lock:
            self.assertEqual(new.data["orders"]["1"]["state"], "CREATE_PENDING")
            new.data["orders"]["1"]["state"] = "AWAITING_ACCEPTANCE"
            new.save("orders", "1")
        with old.lock:
            self.assertEqual(old.data["orders"]["1"]["state"], "AWAITING_ACCEPTANCE")

    def test_a_compaction_by_one_instance_is_seen_by_the_other(self):
        old, new = self.store(), self.store()
        new.COMPACT_AT = 2
        for i in range(5):
            with new.lock:
                new.data["orders"][str(i)] = {"id": i}
                new.save("orders", str(i))
        with old.lock:
            self.assertEqual(sorted(old.data["orders"]), ["0", "1", "2", "3", "4"])

    def test_a_torn_last_line_is_ignored_and_dropped(self):
        a = self.store()
        with a.lock:
            a.data["orders"]["1"] = {"id": 1}
            a.save("orders", "1")
        with open(a.journal_path, "ab") as f:
            f.write(b'{"path": ["orders", "2"], "val')  # a write cut short by a crash
        b = self.store()
        self.assertEqual(sorted(b.data["orders"]), ["1"])
        with b.lock:
            b.data["orders"]["3"] = {"id": 3}
            b.save("orders", "3")
        self.assertEqual(sorted(self.store().data["orders"]), ["1", "3"])


if __name__ == "__main__":
    unittest.main()
