/**
 * What the platform packages share: clocks (wall and virtual), the local certificate, one way to listen and
 * close an HTTP(S) server, the benchmark vocabulary `npm run bench` prints, and a seeded random generator.
 */
export { type Clock, VirtualClock, WallClock } from './clock';
export { type LocalCertificate, localCertificate, temporaryCertificate } from './certs';
export { type ListenOptions, type Listening, PortInUseError, listen } from './server';
export { type Benchmark, type Measurement, perSecond, timed } from './benchmark';
export { mulberry32 } from './random';
