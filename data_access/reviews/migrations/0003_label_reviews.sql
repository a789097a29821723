-- Label reviews: a reviewer's verdict on each label of an image (correct, unclear, wrong, by
-- wnid), whether the image is problematic and why, and a note; one row per (image,
-- reviewer), every change kept in label_history. A lead reviewer's decision on an image
-- (the label sets it should have) is one row per image, kept in label_history too.
CREATE TABLE IF NOT EXISTS label_reviews (
    file_name TEXT NOT NULL, reviewer TEXT NOT NULL,
    verdicts TEXT NOT NULL, problematic INTEGER, reason TEXT NOT NULL, note TEXT NOT NULL,
    updated_at TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (file_name, reviewer));
CREATE TABLE IF NOT EXISTS label_decisions (
    file_name TEXT PRIMARY KEY, lead TEXT NOT NULL,
    verdicts TEXT NOT NULL, problematic INTEGER, reason TEXT NOT NULL, note TEXT NOT NULL,
    updated_at TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS label_history (
    id {identity}, kind TEXT NOT NULL, file_name TEXT NOT NULL, reviewer TEXT NOT NULL,
    changed_at TEXT NOT NULL, old_value TEXT, new_value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS label_history_by_image ON label_history (file_name);
