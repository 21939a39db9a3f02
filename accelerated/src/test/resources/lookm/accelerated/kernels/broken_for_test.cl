// broken_for_test.cl: deliberately invalid OpenCL C, to test that a failed build reports its log.
__kernel void broken(__global float* out) {
    out[get_global_id(0)] = undeclared_identifier_for_test;
}
