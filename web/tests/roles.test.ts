import { describe, expect, it } from "vitest";
import { toMe } from "../src/api/mapping";
import { mayManage } from "../src/lib/auth";

describe("the signed-in user's role", () => {
  it("comes from /me, and only an admin sees export, retrain and key settings", () => {
    const annotator = toMe({ name: "ann", role: "annotator", is_admin: false });
    const reviewer = toMe({ name: "rita", role: "reviewer", is_admin: false });
    const admin = toMe({ name: "boss", role: "admin", is_admin: true });
    expect(annotator).toEqual({ name: "ann", role: "annotator", isAdmin: false });
    expect([annotator, reviewer, admin].map(mayManage)).toEqual([false, false, true]);
  });
});
