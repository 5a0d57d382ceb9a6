import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BufferPool } from "../../src/io/buffer-pool.js";

describe("BufferPool", () => {
  it("lends distinct memory while buffers are out, and reuses a buffer given back", () => {
    const pool = new BufferPool(2, 1 << 20);
    const a = pool.take(1000);
    const b = pool.take(1000);
    assert.equal(a.length, 1000);
    assert.notEqual(a.buffer, b.buffer, "two buffers out at once never share memory");
    pool.release(a);
    const c = pool.take(900);
    assert.equal(c.buffer, a.buffer, "a buffer given back is lent again");
    assert.equal(c.length, 900);
    const d = pool.take(900);
    assert.notEqual(d.buffer, c.buffer, "not while it is out");
  });

  it("keeps at most `keep` buffers, none over maxSize, and takes each back once", () => {
    const pool = new BufferPool(1, 1 << 20);
    const big = pool.take(2 << 20);
    assert.equal(big.length, 2 << 20, "larger than maxSize: a plain allocation");
    pool.release(big);
    const a = pool.take(10);
    assert.notEqual(a.buffer, big.buffer, "an over-size buffer is not kept");
    const b = pool.take(10);
    pool.release(a);
    pool.release(a);
    pool.release(b);
    const c = pool.take(10);
    const d = pool.take(10);
    assert.equal(c.buffer, a.buffer);
    assert.notEqual(d.buffer, a.buffer, "released twice, lent once; b was over the keep limit");
  });

  it("never takes in memory it did not allocate (a small Buffer may share Node's slab with others)", () => {
    const pool = new BufferPool(4, 1 << 20);
    const small = Buffer.from("aGVsbG8=", "base64"); // from Node's shared pool slab
    const other = Buffer.alloc(100);
    pool.release(small);
    pool.release(other);
    const lent = pool.take(50);
    assert.notEqual(lent.buffer, small.buffer, "the slab other Buffers live in is never lent");
    assert.notEqual(lent.buffer, other.buffer);
  });

  it("lends the smallest free buffer that fits", () => {
    const pool = new BufferPool(4, 16 << 20);
    const small = pool.take(100);
    const large = pool.take(3 << 20);
    pool.release(large);
    pool.release(small);
    assert.equal(pool.take(50).buffer, small.buffer);
    assert.equal(pool.take(2 << 20).buffer, large.buffer);
  });
});
