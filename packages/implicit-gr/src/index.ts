export { igrFigures, type IgrFigures } from './igr-figures';
export { igrMonitor, type IgrMonitor, type IgrMonitorOptions, type IgrRecord } from './monitor';
export { measureIgr } from './measure';
export { igrWriter, IGR_COLUMNS, type IgrWriterOptions } from './writer';
export { igrCallback, type IgrFitCallback } from './callback';
export { explicitIgr, type ExplicitIgrOptions } from './explicit-igr';
export { hessianVectorProduct, type HessianVectorProduct, type HvpMethod, type HvpOptions } from './hvp';
export {
  hessianTrace,
  noiseSensitivity,
  samSharpness,
  topHessianEigenvalue,
  type HessianTraceEstimate,
  type HessianTraceOptions,
  type NoiseSensitivityEstimate,
  type NoiseSensitivityOptions,
  type SamSharpnessEstimate,
  type SamSharpnessOptions,
  type TopEigenvalueEstimate,
  type TopEigenvalueOptions,
} from './sharpness';
export {
  gradientFlow,
  modifiedFlow,
  modifiedGradient,
  type FlowOptions,
  type FlowTrajectory,
  type ModifiedFlowOptions,
  type ModifiedGradientOptions,
} from './flow';
export { TwoParameterModel, rk4, distance2, type Field2, type Point2 } from './two-parameter';
export { filterNormalizedDirection, type FilterDirectionOptions } from './filter-direction';
export {
  lossSlice1d,
  lossSlice2d,
  type LossSlice1d,
  type LossSlice1dOptions,
  type LossSlice2d,
  type LossSlice2dOptions,
  type SliceRange,
} from './loss-slice';
