/* The op registry: opcode -> (check, run). Each op lives in its own src/th_op_*.c file. */
#include "th_engine_impl.h"
#include "th_ops.h"

static const th_op_kernel_t kernels[TH_OP_COUNT] = {
    [TH_OP_CONV_2D] = {th_check_conv2d, th_run_conv2d},
    [TH_OP_DEPTHWISE_CONV_2D] = {th_check_depthwise_conv2d, th_run_depthwise_conv2d},
    [TH_OP_FULLY_CONNECTED] = {th_check_fully_connected, th_run_fully_connected},
    [TH_OP_AVERAGE_POOL_2D] = {th_check_pool2d, th_run_average_pool2d},
    [TH_OP_MAX_POOL_2D] = {th_check_pool2d, th_run_max_pool2d},
    [TH_OP_ADD] = {th_check_add, th_run_add},
    [TH_OP_MUL] = {th_check_mul, th_run_mul},
    [TH_OP_MEAN] = {th_check_mean, th_run_mean},
    [TH_OP_PAD] = {th_check_pad, th_run_pad},
    [TH_OP_RESHAPE] = {th_check_reshape, th_run_reshape},
    [TH_OP_CONCATENATION] = {th_check_concatenation, th_run_concatenation},
    [TH_OP_SOFTMAX] = {th_check_softmax, th_run_softmax},
    [TH_OP_LOGISTIC] = {th_check_logistic, th_run_logistic},
    [TH_OP_RELU] = {th_check_relu, th_run_relu},
    [TH_OP_RELU6] = {th_check_relu6, th_run_relu6},
    [TH_OP_QUANTIZE] = {th_check_quantize, th_run_quantize},
    [TH_OP_DEQUANTIZE] = {th_check_dequantize, th_run_dequantize},
};

const th_op_kernel_t *th_op_kernel(uint16_t opcode) {
    if (opcode == 0 || opcode >= TH_OP_COUNT || kernels[opcode].run == 0) {
        return 0;
    }
    return &kernels[opcode];
}
