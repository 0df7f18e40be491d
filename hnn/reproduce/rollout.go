package reproduce

// rolloutIterations is the number of fixed-point sweeps of the implicit
// midpoint steps in figure rollouts (hnn.Flow): enough to converge to
// round-off for h·Lip(F)/2 ≲ 0.3.
const rolloutIterations = 30
