import { Component, type ComponentChildren } from "preact";

/**
 * Re-render the children only when one of `deps` changes, so the parts of the
 * page that do not change on a key press (the progress panel) cost nothing then.
 */
export class Pure extends Component<{ deps: readonly unknown[]; children: () => ComponentChildren }> {
  shouldComponentUpdate(next: { deps: readonly unknown[] }): boolean {
    const deps = this.props.deps;
    return next.deps.length !== deps.length || next.deps.some((d, i) => !Object.is(d, deps[i]));
  }

  render() {
    return this.props.children();
  }
}
