-- History is read per (model, image): an index keeps that fast as a lab's history grows.
CREATE INDEX IF NOT EXISTS review_history_by_image ON review_history (model, file_name);
