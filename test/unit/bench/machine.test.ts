import { describeMachine, parseCpuinfo } from '../../../bench/machine';

const block = (n: number, phys: number, core: number, model = 'AMD EPYC 7B13 64-Core Processor') =>
  `processor\t: ${n}\nvendor_id\t: AuthenticAMD\nmodel name\t: ${model}\nphysical id\t: ${phys}\ncore id\t\t: ${core}\nflags\t\t: fpu vme\n`;

describe('parseCpuinfo', () => {
  it.each([
    ['two CPUs on two cores', [block(0, 0, 0), block(1, 0, 1)].join('\n'), 2, 2],
    [
      'four CPUs, hyper-threads share cores',
      [block(0, 0, 0), block(1, 0, 1), block(2, 0, 0), block(3, 0, 1)].join('\n'),
      4,
      2,
    ],
    ['two sockets', [block(0, 0, 0), block(1, 1, 0)].join('\n'), 2, 2],
  ])('%s', (_name, text, cpus, cores) => {
    const info = parseCpuinfo(text);
    expect(info.cpus).toBe(cpus);
    expect(info.physicalCores).toBe(cores);
    expect(info.cpuModel).toBe('AMD EPYC 7B13 64-Core Processor');
  });

  it('leaves physical cores out when the topology fields are missing (e.g. some VMs, ARM)', () => {
    const text = 'processor\t: 0\nmodel name\t: Some   CPU\n\nprocessor\t: 1\nmodel name\t: Some   CPU\n';
    expect(parseCpuinfo(text)).toEqual({ cpuModel: 'Some CPU', cpus: 2 });
  });

  it('names an unknown CPU when there is no model name', () => {
    expect(parseCpuinfo('processor\t: 0\nBogoMIPS\t: 50.00\n').cpuModel).toBe('unknown CPU');
  });
});

describe('describeMachine', () => {
  it('mentions model, CPUs, cores, memory and kernel', () => {
    expect(
      describeMachine({
        cpuModel: 'AMD EPYC',
        cpus: 2,
        physicalCores: 2,
        kernel: '6.1.0',
        arch: 'x86_64',
        memoryGiB: 24,
      }),
    ).toBe('AMD EPYC, 2 CPUs (2 cores), 24 GiB RAM, Linux 6.1.0 x86_64');
  });
});
