/** The part of jstat (a dependency-free statistics library without its own types) the demo uses. */
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** P(T ≤ x) for Student's t with `dof` degrees of freedom. */
      cdf(x: number, dof: number): number;
    };
  };
  export default jStat;
}
