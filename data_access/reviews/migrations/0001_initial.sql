-- The review store's first schema, the same on SQLite and PostgreSQL ({identity} is the
-- dialect's auto-numbered key). Applied once, in one transaction, by data_access.reviews.
CREATE TABLE IF NOT EXISTS reviews (
    model TEXT NOT NULL, file_name TEXT NOT NULL, reviewer TEXT NOT NULL,
    category TEXT NOT NULL, severity TEXT NOT NULL, top_prediction INTEGER NOT NULL,
    proposed_correct_labels TEXT NOT NULL, note TEXT NOT NULL,
    updated_at TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (model, file_name, reviewer));
CREATE TABLE IF NOT EXISTS review_history (
    id {identity}, model TEXT NOT NULL,
    file_name TEXT NOT NULL, reviewer TEXT NOT NULL, changed_at TEXT NOT NULL,
    old_value TEXT, new_value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reference_sets (
    name TEXT PRIMARY KEY, source TEXT NOT NULL, imported_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reference_items (
    set_name TEXT NOT NULL REFERENCES reference_sets(name) ON DELETE CASCADE,
    file_name TEXT NOT NULL, top_prediction INTEGER NOT NULL,
    category TEXT NOT NULL, severity TEXT NOT NULL,
    raw_category TEXT NOT NULL, raw_severity TEXT NOT NULL,
    PRIMARY KEY (set_name, file_name));
