-- When a push last moved a ref (GitHub's pushed_at); NULL until the first push. A push also
-- touches updated_at, so "Updated" on repository lists follows pushes.
ALTER TABLE repositories ADD COLUMN pushed_at TIMESTAMPTZ;
